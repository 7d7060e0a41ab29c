import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import pg from 'pg'
import type { SentNotification } from '#sdk/testing/payment_contract'
import { eventually } from '#tests/functional/payments/helpers'
import { EMBEDDED_APP_ROLE, EMBEDDED_DEFAULTS } from '../../bin/database.js'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { freePort } from '#sdk/testing/free_port'

/*
| PostgreSQL restart drill (issue 8): a real web server process (bin/server.ts)
| takes payment notifications and a real `node ace worker` credits them, both
| on a PostgreSQL of the drill's own (its own port and data folder: stopping
| the server this test run itself uses would cut the runner's pools too).
| Under load the server is shut down (fast shutdown: sessions cut) and
| started again. Meanwhile every request gets a quick 5xx/503 and no process
| dies; afterwards the same processes serve and work again without a restart,
| the provider's retries land, and every payment is credited exactly once.
*/

const PAYMENTS = 30
/** While the database is down, an answer must come this fast: a hang is a failure. */
const ANSWER_WITHIN_MS = 5_000
const DRILL_DATABASE = 'pilehub_drill'
/**
 * A port free at the start of the drill, unless DRILL_PG_PORT names one: a
 * fixed port can be taken by any listener or outgoing socket of the run (it
 * lies in Linux's ephemeral range), and PostgreSQL then cannot start.
 */
const FIXED_PG_PORT = Number(process.env.DRILL_PG_PORT ?? 0)
let pgPort = FIXED_PG_PORT
const root = fileURLToPath(app.appRoot)

function drillUrl(database: string, role: { user: string; password: string } = EMBEDDED_DEFAULTS) {
  return `postgres://${role.user}:${role.password}@127.0.0.1:${pgPort}/${database}`
}

/** The app's children run on the drill's database only (not the embedded one of this run). */
function drillEnv(extra: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: drillUrl(DRILL_DATABASE, EMBEDDED_APP_ROLE),
    DATABASE_OWNER_URL: drillUrl(DRILL_DATABASE),
    ...extra,
  }
  delete childEnv.PILEHUB_EMBEDDED_DATABASE
  return childEnv
}

/*
| Starts the drill's PostgreSQL through bin/database.ts (the same embedded
| server the app uses in development) in a process that only holds it: the
| server's data lives in tmp/postgres-<port>.
*/
const HOLDER = `
let database
process.on('SIGTERM', async () => { await database?.stopDatabase(); process.exit(0) })
database = await import('./bin/database.js')
await database.ensureDatabase('postgres')
console.log('drill postgres ready')
`

function holderEnv() {
  const holder: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_PG_PORT: String(pgPort) }
  for (const name of [
    'DATABASE_URL',
    'DATABASE_OWNER_URL',
    'DB_HOST',
    'PILEHUB_EMBEDDED_DATABASE',
  ]) {
    delete holder[name]
  }
  return holder
}

/** A child process; resolves once its output includes `readyText` (at once when null). */
async function startChild(args: string[], readyText: string | null, childEnv: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args} not ready: ${output}`)), 60_000)
    const read = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000)
      if (readyText !== null && output.includes(readyText)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args} exited with ${code}: ${output}`))
    })
    if (readyText === null) {
      clearTimeout(timer)
      resolve()
    }
  })
  await ready
  return { child, output: () => output }
}

function run(args: string[], childEnv: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, args, { cwd: root, env: childEnv }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

async function ownerQuery(database: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: drillUrl(database) })
  await client.connect()
  try {
    const result = await client.query(sql, values)
    return result.rows
  } finally {
    await client.end()
  }
}

/** The postmaster's pid and data folder, read before it goes down. */
async function postmaster() {
  const [{ data_directory: dataDir }] = await ownerQuery('postgres', 'SHOW data_directory')
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8')
  const pid = Number(pidFile.split('\n')[0])
  return { dataDir: dataDir as string, pid }
}

/** Fast shutdown (SIGINT): open sessions are cut, as when the server crashes or fails over. */
async function stopPostgres({ dataDir, pid }: { dataDir: string; pid: number }) {
  const pidFile = join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return
  process.kill(pid, 'SIGINT')
  const present = await eventually(
    async () => existsSync(pidFile),
    (found) => !found,
    30_000
  )
  if (present) throw new Error('the drill PostgreSQL did not stop')
}

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

test.group('resilience: PostgreSQL restarted under load', (group) => {
  const children: ChildProcess[] = []
  let server: { dataDir: string; pid: number } | undefined

  /**
   * A start is tried three times: what the drill tests is the app, and a
   * socket of another process that briefly holds the port must not fail it.
   */
  async function startPostgres() {
    const failures: string[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const holder = await startChild(
          ['--import=@poppinss/ts-exec', '--input-type=module', '-e', HOLDER],
          'drill postgres ready',
          holderEnv()
        )
        children.push(holder.child)
        server = await postmaster()
        return
      } catch (error) {
        failures.push(String(error))
        console.warn(`drill postgres: start ${attempt} of 3 failed: ${error}`)
        await new Promise((resolve) => setTimeout(resolve, 2000))
      }
    }
    throw new Error(`the drill PostgreSQL did not start: ${failures.join(' || ')}`)
  }

  // Everything the drill started goes, even when it failed half-way.
  group.each.teardown(async () => {
    for (const child of children.reverse()) await kill(child)
    if (server) await stopPostgres(server)
    if (server && !FIXED_PG_PORT) await rm(server.dataDir, { recursive: true, force: true })
  })

  test('requests fail cleanly while it is down; afterwards everything works, postings land once', async ({
    assert,
    cleanup,
  }) => {
    const gateway = await startSandboxGateway()
    cleanup(() => gateway.close())

    if (!FIXED_PG_PORT) pgPort = await freePort()
    await startPostgres()
    await ownerQuery('postgres', `DROP DATABASE IF EXISTS ${DRILL_DATABASE} WITH (FORCE)`)
    await ownerQuery('postgres', `CREATE DATABASE ${DRILL_DATABASE}`)
    const migrated = await run(['ace.js', 'migration:run', '--connection=owner'], drillEnv())
    assert.equal(migrated.code, 0, migrated.output)
    const seeded = await run(
      ['--import=@poppinss/ts-exec', 'tests/resilience/support/postgres_drill_seed.ts'],
      drillEnv({
        DRILL_GATEWAY_CONFIG: JSON.stringify(gateway.config()),
        DRILL_PAYMENTS: String(PAYMENTS),
      })
    )
    const seedLine = seeded.output.split('\n').find((line) => line.startsWith('drill-seed:'))
    assert.exists(seedLine, seeded.output)
    const fixture: {
      riderId: number
      tenantId: number
      orders: { paymentNo: string; amount: number }[]
    } = JSON.parse(seedLine!.slice('drill-seed:'.length))

    const sent: SentNotification[] = []
    for (const order of fixture.orders) {
      sent.push((await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification)
    }

    const webPort = await freePort()
    const base = `http://127.0.0.1:${webPort}`
    const worker = await startChild(
      ['ace.js', 'worker', '--concurrency', '2'],
      'worker ready',
      drillEnv()
    )
    children.push(worker.child)
    const web = await startChild(
      ['--import=@poppinss/ts-exec', 'bin/server.ts'],
      null,
      drillEnv({ PORT: String(webPort), HOST: '127.0.0.1' })
    )
    children.push(web.child)

    /** A request that must be answered, whatever the answer, within ANSWER_WITHIN_MS. */
    async function answered(path: string, init: RequestInit = {}) {
      const started = Date.now()
      try {
        const response = await fetch(`${base}${path}`, {
          ...init,
          redirect: 'manual',
          signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 3),
        })
        await response.arrayBuffer()
        return { path, status: response.status, ms: Date.now() - started }
      } catch (error) {
        return { path, status: 0, ms: Date.now() - started, error: String(error) }
      }
    }
    const deliver = (notification: SentNotification) =>
      answered(new URL(notification.url).pathname, {
        method: 'POST',
        headers: notification.headers,
        body: notification.rawBody,
      })

    const up = await eventually(
      () => answered('/healthz').then((answer) => answer.status),
      (status) => status === 200,
      60_000
    )
    assert.equal(up, 200, `the web server started: ${web.output()}`)
    const before = await answered('/readyz')
    assert.equal(before.status, 200)

    // Load: probes in a loop for the whole drill, each answer kept.
    let loading = true
    const probes: Awaited<ReturnType<typeof answered>>[] = []
    const load = (async () => {
      while (loading) {
        probes.push(await answered('/readyz'))
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    cleanup(async () => {
      loading = false
      await load
    })

    // A first third is delivered and (partly) credited before the database goes.
    const third = PAYMENTS / 3
    const early = await Promise.all(sent.slice(0, third).map(deliver))
    assert.isTrue(
      early.every((answer) => answer.status === 204),
      JSON.stringify(early)
    )

    await stopPostgres(server!)
    const downSince = probes.length

    // Down: the next third of notifications and the probes are answered quickly, with a 5xx.
    const whileDown = await Promise.all(sent.slice(third, 2 * third).map(deliver))
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const downProbes = probes.slice(downSince)
    for (const answer of [...whileDown, ...downProbes]) {
      assert.isAtLeast(answer.status, 500, JSON.stringify(answer))
      assert.isBelow(answer.ms, ANSWER_WITHIN_MS, JSON.stringify(answer))
    }
    assert.isAbove(downProbes.length, 3)
    const alive = await answered('/healthz')
    assert.equal(alive.status, 200, 'liveness does not follow the database')
    assert.isTrue(
      downProbes.every((answer) => answer.status === 503),
      JSON.stringify(downProbes)
    )
    assert.isNull(worker.child.exitCode, `the worker died: ${worker.output()}`)
    assert.isNull(web.child.exitCode, `the web server died: ${web.output()}`)

    const restartedAt = Date.now()
    await startPostgres()

    // Back: the same server is ready again once its pool reconnects, without a restart.
    const ready = await eventually(
      () => answered('/readyz').then((answer) => answer.status),
      (status) => status === 200,
      30_000
    )
    assert.equal(ready, 200)
    const slowest = Math.max(...[...whileDown, ...downProbes].map((answer) => answer.ms))
    console.log(
      `postgres restart: ${whileDown.length + downProbes.length} requests answered 5xx while down ` +
        `(slowest ${slowest} ms); ready again ${Date.now() - restartedAt} ms after the restart began`
    )
    loading = false
    await load
    assert.isTrue(
      probes.every((answer) => answer.status !== 0),
      'every probe got an answer'
    )

    // The provider retries what was not acknowledged, and the last third arrives.
    const retried = await Promise.all(sent.slice(third).map(deliver))
    assert.isTrue(
      retried.every((answer) => answer.status === 204),
      JSON.stringify(retried)
    )

    const paid = await eventually(
      async () => {
        const [row] = await ownerQuery(
          DRILL_DATABASE,
          `SELECT count(*)::int AS n FROM payment_orders WHERE tenant_id = $1 AND status = 'paid'`,
          [fixture.tenantId]
        )
        return row.n as number
      },
      (count) => count === PAYMENTS,
      60_000
    )
    assert.equal(paid, PAYMENTS, 'every payment credited after the restart')
    assert.isNull(worker.child.exitCode, 'the worker kept working without a restart')
    assert.isNull(web.child.exitCode, 'the web server kept serving without a restart')

    const topups = await ownerQuery(
      DRILL_DATABASE,
      `SELECT reference FROM ledger_entries WHERE rider_id = $1 AND detail_type = 'qr_topup'`,
      [fixture.riderId]
    )
    assert.lengthOf(topups, PAYMENTS)
    assert.lengthOf(new Set(topups.map((entry) => entry.reference)), PAYMENTS)
    const [wallet] = await ownerQuery(
      DRILL_DATABASE,
      'SELECT real_balance FROM wallets WHERE rider_id = $1',
      [fixture.riderId]
    )
    assert.equal(
      Number(wallet.real_balance),
      fixture.orders.reduce((sum, order) => sum + order.amount, 0)
    )
    const verify = await run(['ace.js', 'ledger:verify'], drillEnv())
    assert.equal(verify.code, 0, verify.output)
  }).timeout(120_000)
})
