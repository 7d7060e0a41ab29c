import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from '#sdk/testing/free_port'

/*
| A redis-server of the test's own (Debian's package, which .ci/run installs
| when missing) on a free port, working in a temp dir, keeping nothing on
| disk: never a system-wide instance or a well-known port.
*/

export interface RedisServer {
  url: string
  port: number
  /** Stops the server (SIGTERM) and removes its dir. */
  stop(): Promise<void>
}

function binary() {
  const found = ['/usr/bin', '/usr/sbin', '/usr/local/bin']
    .map((dir) => join(dir, 'redis-server'))
    .find((path) => existsSync(path))
  if (!found)
    throw new Error('redis-server not found: apt-get install -y redis-server (.ci/run does)')
  return found
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pilehub-redis-'))
  const port = await freePort()
  const child = spawn(
    binary(),
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let output = ''
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      output += String(error)
      resolve()
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const stop = async () => {
    if (running()) child.kill('SIGTERM')
    await exited
    await rm(dir, { recursive: true, force: true })
  }
  const url = `redis://127.0.0.1:${port}`
  try {
    // Ready once it answers PING.
    for (let attempt = 1; ; attempt++) {
      if (!running()) throw new Error(`redis-server exited: ${output}`)
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
      probe.on('error', () => {})
      try {
        await probe.connect()
        if ((await probe.ping()) === 'PONG') break
      } catch (error) {
        if (attempt === 100) throw new Error(`redis-server not ready: ${output} ${error}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      } finally {
        probe.disconnect()
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { url, port, stop }
}
