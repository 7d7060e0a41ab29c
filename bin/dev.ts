/*
| `npm run dev`: one command for the whole platform on one machine.
| Starts the embedded PostgreSQL (unless DATABASE_URL is set), migrates,
| seeds the demo tenant, then runs the web, worker and gateway roles with
| their output prefixed, until Ctrl+C.
*/
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { parseEnv } from 'node:util'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureDatabase, stopDatabase } from './database.js'
import { ensureEnvFile } from './env_file.js'
import { exited, signalGroup, Supervisor } from './supervisor.js'
import { DEMO_LOGINS, DEMO_PLATFORM_LOGIN } from '../database/demo_logins.js'

const ROOT = new URL('../', import.meta.url)
const children: ChildProcess[] = []
const supervisors: Supervisor[] = []

function spawnAce(args: string[], nodeFlags: string[] = []) {
  const child = spawn(process.execPath, [...nodeFlags, 'ace', ...args], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: stopping a role stops the processes it spawned too.
    detached: true,
  })
  children.push(child)
  return child
}

function run(role: string, args: string[]) {
  const child = spawnAce(args)
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => console.log(`[${role}] ${line}`))
  }
  return child
}

/** A role that is started again whenever it dies (bin/supervisor.ts). */
function supervise(role: string, args: string[], nodeFlags: string[] = [], diedWhen?: RegExp) {
  const supervisor = new Supervisor(role, {
    spawn: () => spawnAce(args, nodeFlags),
    output: (line) => console.log(`[${role}] ${line}`),
    notice: (message) => console.log(`[dev] ${message}`),
    diedWhen: diedWhen && ((line) => diedWhen.test(line)),
  })
  supervisors.push(supervisor)
  return supervisor.start()
}

async function step(role: string, args: string[]) {
  const code = await exited(run(role, args))
  if (code !== 0) throw new Error(`"node ace ${args.join(' ')}" failed with exit code ${code}`)
}

async function waitForHttp(url: string, timeoutMs: number) {
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
async function shutdown() {
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
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)

const startedAt = Date.now()
await ensureEnvFile()
const settings = { ...parseEnv(await readFile(new URL('.env', ROOT), 'utf8')), ...process.env }
// The demo shows rider sign-in codes on the H5 page (sms-log sends no text); production refuses the flag.
process.env.DEV_SHOW_SMS_CODES = settings.DEV_SHOW_SMS_CODES ?? 'true'
await ensureDatabase()
await step('migrate', ['migration:run', '--force', '--connection=owner'])
await step('seed', ['db:seed', '--connection=owner'])

// `ace serve --hmr` outlives its HTTP server (it keeps watching files): the assembler's note
// that the server died (killed, or exited non-zero; a reload after a file change prints none)
// or the server's own fatal line (bin/lifecycle.ts) restarts the role.
supervise('web', ['serve', '--hmr'], [], /Underlying HTTP server died|"level":60,.*"role":"web"/)
// As deployed (npm run start:worker): without it, dead export rows swell the heap by ~170 MB.
supervise('worker', ['worker'], ['--optimize-for-size'])
supervise('gateway', ['gateway'])

const url = `http://${settings.HOST ?? 'localhost'}:${settings.PORT ?? 3333}`
if (await waitForHttp(`${url}/login`, 120_000)) {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
  console.log('')
  console.log(`  PileHub is running at ${url}  (ready in ${seconds} s)`)
  for (const login of DEMO_LOGINS) {
    console.log(
      `  demo login: ${login.account} / ${login.password}  (${login.tenant}, ${login.role})`
    )
  }
  console.log(
    `  platform console: ${url}/platform  login: ${DEMO_PLATFORM_LOGIN.account} / ${DEMO_PLATFORM_LOGIN.password}`
  )
  if (settings.DEV_SIMULATORS !== '0') {
    // The demo tenant's piles come alive: each plugin's simulator charges through the gateway.
    await sleep(3000)
    for (const plugin of ['vendor-dny', 'vendor-juy', 'vendor-ocpp16']) {
      run(`sim:${plugin.replace('vendor-', '')}`, [
        'pile:simulate',
        `--plugin=${plugin}`,
        '--tenant=zxb',
        '--piles=4',
        '--ports=2',
        '--duration=86400',
        '--speed=30',
      ])
    }
    console.log(
      '  simulated piles of 河南正小伴 charge through the gateway (DEV_SIMULATORS=0: off)'
    )
  }
  console.log('  Ctrl+C stops everything.')
  console.log('')
} else {
  console.error(`[dev] the web server did not answer at ${url} within 120 s`)
}
