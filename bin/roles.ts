/*
| The process plumbing shared by `npm run dev` and `npm run cluster`: each
| role runs as a child in its own process group with its output prefixed,
| is restarted when it dies (bin/supervisor.ts), and everything stops on
| Ctrl+C or SIGTERM, the database last.
*/
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { stopDatabase } from './database.js'
import { exited, signalGroup, Supervisor } from './supervisor.js'

const ROOT = new URL('../', import.meta.url)
const children: ChildProcess[] = []
const supervisors: Supervisor[] = []

export interface RoleProcess {
  /** The program and its arguments; `ace` commands run on this Node. */
  args: string[]
  env?: NodeJS.ProcessEnv
  /** A program other than Node (haproxy, redis-server). */
  command?: string
}

function spawnRole({ args, env, command }: RoleProcess) {
  const child = spawn(command ?? process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: stopping a role stops the processes it spawned too.
    detached: true,
  })
  children.push(child)
  return child
}

/** A one-off child (a migration, a simulator), its output prefixed with `name`. */
export function run(name: string, role: RoleProcess) {
  const child = spawnRole(role)
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => console.log(`[${name}] ${line}`))
  }
  return child
}

/** Runs a child to its end; a non-zero exit is an error. */
export async function step(name: string, role: RoleProcess) {
  const code = await exited(run(name, role))
  if (code !== 0) throw new Error(`"${role.args.join(' ')}" failed with exit code ${code}`)
}

/** A role that is started again whenever it dies; `notice` prefixes the supervisor's own lines. */
export function supervise(name: string, role: RoleProcess, notice: string, diedWhen?: RegExp) {
  const supervisor = new Supervisor(name, {
    spawn: () => spawnRole(role),
    output: (line) => console.log(`[${name}] ${line}`),
    notice: (message) => console.log(`[${notice}] ${message}`),
    diedWhen: diedWhen && ((line) => diedWhen.test(line)),
  })
  supervisors.push(supervisor)
  return supervisor.start()
}

export async function waitForHttp(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url)
      if (response.ok) return true
    } catch {}
    await sleep(300)
  }
  return false
}

let stopping = false

/** Stops every role (SIGTERM to its group, SIGKILL after 25 s), then the database, then exits. */
export async function shutdown() {
  if (stopping) return
  stopping = true
  for (const supervisor of supervisors) supervisor.stop()
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null)
  for (const child of running) signalGroup(child, 'SIGTERM')
  const allExited = Promise.all(running.map(exited))
  // A role still stopping after its own deadline (bin/lifecycle.ts) is cut short.
  const grace = sleep(25_000).then(() => running.forEach((child) => signalGroup(child, 'SIGKILL')))
  await Promise.race([allExited, grace])
  await allExited
  await stopDatabase()
  process.exit(0)
}

export function stopOnSignals() {
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

/** The demo tenant's piles come alive: each plugin's simulator charges through the gateway's ports. */
export function startDemoSimulators() {
  for (const plugin of ['vendor-dny', 'vendor-juy', 'vendor-ocpp16']) {
    run(`sim:${plugin.replace('vendor-', '')}`, {
      args: [
        'ace',
        'pile:simulate',
        `--plugin=${plugin}`,
        '--tenant=zxb',
        '--piles=4',
        '--ports=2',
        '--duration=86400',
        '--speed=30',
      ],
    })
  }
  console.log('  simulated piles of 河南正小伴 charge through the gateway (DEV_SIMULATORS=0: off)')
}
