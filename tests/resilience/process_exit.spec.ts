import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { jobs } from '#jobs/registry'
import { freePort } from '#sdk/testing/free_port'

/*
| Every process ends (issue 13). Ace commands run as children beside this
| run's database, which is up (as a dev server's is): a command that leaves
| a connection open (codegen once kept the live-events LISTEN client) never
| exits, and a command still running after BOUND_MS counts as hung. The
| long-running roles stop on SIGTERM and SIGINT with exit code 0, and exit 1
| with a logged line on an error nothing handled or a start that failed, so
| a supervisor restarts them. The drill's errors are thrown from a SIGUSR2
| listener preloaded into the child (`--import` of a data: URL), sent once
| the role is ready.
*/

/** Far above a normal run (seconds); only a hung process gets near it. */
const BOUND_MS = 90_000
const ROOT = fileURLToPath(app.appRoot)

const THROW_ON_SIGUSR2 = `data:text/javascript,process.on('SIGUSR2',()=>{throw new Error('drill: thrown')})`
const REJECT_ON_SIGUSR2 = `data:text/javascript,process.on('SIGUSR2',()=>{Promise.reject(new Error('drill: rejected'))})`

type Exit = { code: number | null; signal: NodeJS.Signals | null } | 'still running'

interface Run {
  child: ChildProcess
  output: () => string
  exit: (boundMs?: number) => Promise<Exit>
}

function start(nodeArgs: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const read = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000))
  child.stdout!.on('data', read)
  child.stderr!.on('data', read)
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  )
  return {
    child,
    output: () => output,
    async exit(boundMs = BOUND_MS) {
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<Exit>((resolve) => {
        timer = setTimeout(() => resolve('still running'), boundMs)
      })
      const result = await Promise.race([exited, bound])
      clearTimeout(timer)
      if (result === 'still running') {
        child.kill('SIGKILL')
        await exited
      }
      return result
    },
  }
}

const ace = (args: string[], env?: Record<string, string>, preload?: string) =>
  start([...(preload ? [`--import=${preload}`] : []), 'ace.js', ...args], env)

/** Resolves once `marker` is in the output; fails if the process exits first. */
async function ready(run: Run, marker: string) {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${run.output()}`)), BOUND_MS)
    const check = () => {
      if (!run.output().includes(marker)) return
      clearTimeout(timer)
      resolve()
    }
    run.child.stdout!.on('data', check)
    run.child.stderr!.on('data', check)
    run.child.once('exit', (code) => reject(new Error(`exited with ${code}: ${run.output()}`)))
  })
}

async function gatewayEnv() {
  return {
    GATEWAY_PLUGINS: 'vendor-dny,vendor-juy,vendor-ocpp16',
    DNY_TCP_HOST: '127.0.0.1',
    DNY_TCP_PORT: String(await freePort()),
    JUY_MQTT_HOST: '127.0.0.1',
    JUY_MQTT_PORT: String(await freePort()),
    OCPP_WS_HOST: '127.0.0.1',
    OCPP_WS_PORT: String(await freePort()),
  }
}

/** The worker's repeating jobs, left behind, would keep other drills' queues busy. */
async function removeWorkerSchedulers() {
  const queues = await app.container.make('queue')
  for (const name of new Set(jobs.map((job) => job.queue))) {
    const queue = queues.queue(name)
    for (const scheduler of await queue.getJobSchedulers()) {
      await queue.removeJobScheduler(scheduler.key)
    }
  }
}

function assertFatalLine(
  assert: { include: (text: string, part: string, message?: string) => void },
  output: string,
  role: string,
  origin: string,
  message: string
) {
  const line = output.split('\n').find((text) => text.includes(`"origin":"${origin}"`)) ?? ''
  assert.include(line, `"role":"${role}"`, output)
  assert.include(line, message, output)
}

test.group('processes: every ace command ends when its work ends', () => {
  for (const command of ['codegen', 'list:routes', 'ledger:verify']) {
    test(`node ace ${command} exits 0 by itself while the database is up`, async ({ assert }) => {
      const run = ace([command])
      assert.deepEqual(await run.exit(), { code: 0, signal: null }, run.output())
    }).timeout(BOUND_MS + 10_000)
  }
})

test.group('processes: the long-running roles stop when told and exit 1 when broken', (group) => {
  const runs: Run[] = []
  group.each.teardown(async () => {
    for (const run of runs.splice(0)) await run.exit(0)
  })
  group.teardown(removeWorkerSchedulers)

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`node ace worker stops with exit code 0 on ${signal}`, async ({ assert }) => {
      const run = ace(['worker'])
      runs.push(run)
      await ready(run, 'worker ready')
      run.child.kill(signal)
      assert.deepEqual(await run.exit(), { code: 0, signal: null }, run.output())
    }).timeout(2 * BOUND_MS)
  }

  test('node ace gateway stops with exit code 0 on SIGTERM', async ({ assert }) => {
    const run = ace(['gateway'], await gatewayEnv())
    runs.push(run)
    await ready(run, 'gateway ready')
    run.child.kill('SIGTERM')
    assert.deepEqual(await run.exit(), { code: 0, signal: null }, run.output())
  }).timeout(2 * BOUND_MS)

  test('an uncaught exception in the worker is logged with its role and exits 1', async ({
    assert,
  }) => {
    const run = ace(['worker'], {}, THROW_ON_SIGUSR2)
    runs.push(run)
    await ready(run, 'worker ready')
    run.child.kill('SIGUSR2')
    assert.deepEqual(await run.exit(), { code: 1, signal: null }, run.output())
    assertFatalLine(assert, run.output(), 'worker', 'uncaughtException', 'drill: thrown')
  }).timeout(2 * BOUND_MS)

  test('an unhandled rejection in the gateway is logged with its role and exits 1', async ({
    assert,
  }) => {
    const run = ace(['gateway'], await gatewayEnv(), REJECT_ON_SIGUSR2)
    runs.push(run)
    await ready(run, 'gateway ready')
    run.child.kill('SIGUSR2')
    assert.deepEqual(await run.exit(), { code: 1, signal: null }, run.output())
    assertFatalLine(assert, run.output(), 'gateway', 'unhandledRejection', 'drill: rejected')
  }).timeout(2 * BOUND_MS)

  test('an uncaught exception in the web process is logged with its role and exits 1', async ({
    assert,
  }) => {
    const port = String(await freePort())
    const run = start(
      ['--import=@poppinss/ts-exec', `--import=${THROW_ON_SIGUSR2}`, 'bin/server.ts'],
      // The test env logs warnings only; its start line says it is ready.
      { HOST: '127.0.0.1', PORT: port, LOG_LEVEL: 'info' }
    )
    runs.push(run)
    await ready(run, 'started HTTP server')
    run.child.kill('SIGUSR2')
    assert.deepEqual(await run.exit(), { code: 1, signal: null }, run.output())
    assertFatalLine(assert, run.output(), 'web', 'uncaughtException', 'drill: thrown')
  }).timeout(2 * BOUND_MS)

  test('a gateway whose port is taken exits 1 instead of serving nothing', async ({ assert }) => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const env = await gatewayEnv()
      env.OCPP_WS_PORT = String((taken.address() as net.AddressInfo).port)
      const run = ace(['gateway'], env)
      runs.push(run)
      assert.deepEqual(await run.exit(), { code: 1, signal: null }, run.output())
      assert.include(run.output(), 'EADDRINUSE')
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  }).timeout(2 * BOUND_MS)
})
