import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import app from '@adonisjs/core/services/app'
import { haproxyConfig, type ClusterLayout } from '../../../bin/haproxy_config.js'

export interface DrillProcess {
  name: string
  child: ChildProcess
  /** The last 20,000 characters it printed, for a failure message. */
  output(): string
  running(): boolean
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Starts a child (Node by default, in the app's root) and resolves once its
 * output includes `readyText`, or at once when that is null.
 */
export async function startProcess(
  name: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; readyText: string | null; command?: string }
): Promise<DrillProcess> {
  const child = spawn(options.command ?? process.execPath, args, {
    cwd: fileURLToPath(app.appRoot),
    env: {
      ...process.env,
      ...(process.env.DRILL_LOG_DIR ? { LOG_LEVEL: 'info' } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  // DRILL_LOG_DIR keeps each process's whole output, at level info, for a drill that went wrong.
  const log = process.env.DRILL_LOG_DIR
    ? createWriteStream(join(process.env.DRILL_LOG_DIR, `${name}.log`))
    : null
  const running = () => child.exitCode === null && child.signalCode === null
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready: ${output}`)), 60_000)
    const read = (chunk: Buffer) => {
      log?.write(chunk)
      output = (output + chunk.toString()).slice(-20_000)
      if (options.readyText !== null && output.includes(options.readyText)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('error', (error) => reject(error))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code}: ${output}`))
    })
    if (options.readyText === null) {
      clearTimeout(timer)
      resolve()
    }
  })
  return {
    name,
    child,
    output: () => output,
    running,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (running()) child.kill(signal)
      await exited
    },
  }
}

/** HAProxy with the configuration `npm run cluster` writes, in the foreground. */
export async function startHaproxy(layout: ClusterLayout) {
  const dir = await mkdtemp(join(tmpdir(), 'pilehub-haproxy-'))
  const file = join(dir, 'haproxy.cfg')
  await writeFile(file, haproxyConfig(layout))
  const server = await startProcess('haproxy', ['-db', '-f', file], {
    command: 'haproxy',
    readyText: null,
  })
  return {
    server,
    async stop() {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Resolves once `url` answers 200; throws after `timeoutMs` with the process's output. */
export async function waitForHttp(url: string, owner: DrillProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!owner.running()) throw new Error(`${owner.name} exited: ${owner.output()}`)
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${owner.name} did not answer ${url}: ${owner.output()}`)
}
