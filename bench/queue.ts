/*
| queue: BullMQ jobs per second on its PostgreSQL backend (schema bullmq of
| the bench database), each job added and processed (a no-op handler)
| through the app's QueueManager, BENCH_JOBS jobs (default 2,000) at 1, 8
| and 32 concurrent adders with a worker of the same concurrency; timed from
| the first add to the last job done.
| Baseline: the same number of INSERT + DELETE pairs of a row in a plain
| table (a queue at its barest) by the same number of concurrent clients.
| Then the same on Redis, when there is one: REDIS_URL, or else a private
| redis-server (found on PATH) on a free port without persistence, stopped
| afterwards; its baseline is LPUSH + RPOP pairs on a plain list.
*/
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import pg from 'pg'
import { ROOT, bootBench, finish, ownerUrl, report, type Figure } from './lib.js'
import { freePort } from '#sdk/testing/free_port'

const JOBS = Number(process.env.BENCH_JOBS ?? 2_000)
const CLIENTS = [1, 8, 32]

const app = await bootBench()
const { default: QueueManager } = await import('#core/queue/queue_manager')
const { defineJob } = await import('#core/queue/job')
const config = app.config.get<import('#config/queue').QueueConfig>('queue')

/** Jobs per second, adding and processing JOBS no-op jobs with `clients` concurrency. */
async function bullmq(clients: number, redisUrl?: string) {
  const manager = new QueueManager(
    redisUrl
      ? { ...config, backend: 'redis', redis: { url: redisUrl } }
      : { ...config, backend: 'postgres' }
  )
  let processed = 0
  let allDone!: () => void
  const finished = new Promise<void>((resolve) => (allDone = resolve))
  const noop = defineJob<{ n: number }>({
    name: 'noop',
    queue: `bench-${clients}-${Date.now()}`,
    async handle() {
      processed += 1
      if (processed === JOBS) allDone()
    },
  })
  // The queue's schema is migrated on first use, outside the timing.
  await manager.queue(noop.queue).waitUntilReady()
  manager.startWorkers([noop], clients)
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < JOBS) {
        next += 1
        await manager.dispatch(noop, { n: next })
      }
    })
  )
  await finished
  const rate = JOBS / ((performance.now() - started) / 1000)
  await manager.close()
  return rate
}

/** INSERT + DELETE pairs per second on a plain table with `clients` connections. */
async function plainTable(pool: pg.Pool, clients: number) {
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < JOBS) {
        next += 1
        const { rows } = await pool.query(
          'INSERT INTO bench_queue_rows (name, data) VALUES ($1, $2) RETURNING id',
          ['noop', JSON.stringify({ n: next })]
        )
        await pool.query('DELETE FROM bench_queue_rows WHERE id = $1', [rows[0].id])
      }
    })
  )
  return JOBS / ((performance.now() - started) / 1000)
}

const pool = new pg.Pool({ connectionString: ownerUrl(), max: Math.max(...CLIENTS) })
await pool.query(
  `CREATE TABLE IF NOT EXISTS bench_queue_rows (
     id bigserial PRIMARY KEY, name text NOT NULL, data jsonb NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`
)

const figures: Figure[] = []
for (const clients of CLIENTS) {
  const jobs = await bullmq(clients)
  const baseline = await plainTable(pool, clients)
  figures.push({
    name: `BullMQ on PostgreSQL, ${clients} clients`,
    value: jobs,
    unit: 'jobs/s',
    baseline,
    baselineUnit: 'INSERT+DELETE pairs/s',
    details: { jobs: JOBS, clients },
  })
}
await pool.end()

/** LPUSH + RPOP pairs per second on a plain list with `clients` connections. */
async function plainList(url: string, clients: number) {
  const connections = Array.from({ length: clients }, () => new Redis(url))
  const started = performance.now()
  let next = 0
  await Promise.all(
    connections.map(async (redis) => {
      while (next < JOBS) {
        next += 1
        await redis.lpush('bench:queue', JSON.stringify({ name: 'noop', data: { n: next } }))
        await redis.rpop('bench:queue')
      }
    })
  )
  const rate = JOBS / ((performance.now() - started) / 1000)
  await Promise.all(connections.map((redis) => redis.quit()))
  return rate
}

/** A redis-server of our own, in memory only, once it answers PING. */
async function privateRedis() {
  const port = await freePort()
  const dir = `${ROOT}tmp/bench/redis-${process.pid}`
  await mkdir(dir, { recursive: true })
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' }
  )
  const url = `redis://127.0.0.1:${port}`
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null })
  // Refused until the server listens: the loop below retries.
  probe.on('error', () => {})
  for (let attempt = 0; ; attempt += 1) {
    try {
      await probe.connect()
      await probe.ping()
      break
    } catch (error) {
      if (attempt >= 50 || child.exitCode !== null) throw error
      probe.disconnect()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  probe.disconnect()
  return { url, child, dir }
}

async function stopRedis(redis: { child: ChildProcess; dir: string }) {
  const exited = new Promise((resolve) => redis.child.once('exit', resolve))
  redis.child.kill('SIGTERM')
  await exited
  await rm(redis.dir, { recursive: true, force: true })
}

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0
if (!process.env.REDIS_URL && !hasRedisServer) {
  console.log('bench queue: Redis skipped: no REDIS_URL and no redis-server on PATH')
} else {
  const own = process.env.REDIS_URL ? null : await privateRedis()
  const url = own?.url ?? process.env.REDIS_URL!
  try {
    for (const clients of CLIENTS) {
      const jobs = await bullmq(clients, url)
      const baseline = await plainList(url, clients)
      figures.push({
        name: `BullMQ on Redis, ${clients} clients`,
        value: jobs,
        unit: 'jobs/s',
        baseline,
        baselineUnit: 'LPUSH+RPOP pairs/s',
        details: { jobs: JOBS, clients, redis: own ? 'private redis-server' : 'REDIS_URL' },
      })
    }
  } finally {
    if (own) await stopRedis(own)
  }
}

await report('queue', figures)
await finish(app)
