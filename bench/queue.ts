/*
| queue: BullMQ jobs per second on its PostgreSQL backend (schema bullmq of
| the bench database), each job added and processed (a no-op handler)
| through the app's QueueManager, BENCH_JOBS jobs (default 2,000) at 1, 8
| and 32 concurrent adders with a worker of the same concurrency; timed from
| the first add to the last job done.
| Baseline: the same number of INSERT + DELETE pairs of a row in a plain
| table (a queue at its barest) by the same number of concurrent clients.
*/
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { bootBench, finish, ownerUrl, report, type Figure } from './lib.js'

const JOBS = Number(process.env.BENCH_JOBS ?? 2_000)
const CLIENTS = [1, 8, 32]

const app = await bootBench()
const { default: QueueManager } = await import('#services/queue/queue_manager')
const { defineJob } = await import('#services/queue/job')
const config = app.config.get<import('#config/queue').QueueConfig>('queue')

/** Jobs per second, adding and processing JOBS no-op jobs with `clients` concurrency. */
async function bullmq(clients: number) {
  const manager = new QueueManager({ ...config, backend: 'postgres' })
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

await report('queue', figures)
await finish(app)
