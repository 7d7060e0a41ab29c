import { spawn, type ChildProcess } from 'node:child_process'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import type { Job } from 'bullmq'
import type { QueueConfig } from '#config/queue'
import QueueManager from '#core/queue/queue_manager'
import type { SentNotification } from '#sdk/testing/payment_contract'
import { eventually, paymentFixture } from '#tests/functional/payments/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { startRedisServer, type RedisServer } from '#tests/support/redis_server'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'
import {
  EVERY_FLAGS,
  SCHEDULER_QUEUES,
  activePaymentJobs,
  deliverNotifications,
  holdWallet,
  paidCount,
  schedulerRuns,
  schedulersOf,
} from './support/queue_jobs.js'

/*
| Workers scaled out on Redis: real `node ace worker` processes
| (QUEUE_BACKEND=redis on a redis-server of the test's own, this run's
| database) side by side. Jobs are taken by whichever worker is free and
| each lands once; a worker SIGKILLed holding jobs loses them to the other
| once its holds lapse (lock and stalled check shortened through the
| environment); every worker upserts the same schedulers and each due time
| runs once, not once per worker.
*/

const LOCK_MS = 5000
const STALLED_CHECK_MS = 1000
const owner = () => db.connection('owner')

interface WorkerProcess {
  child: ChildProcess
  /** As BullMQ stores it on the jobs the process takes (job.processedBy). */
  name: string
}

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

test.group('resilience: workers scaled out on Redis', (group) => {
  let redis: RedisServer
  let queue: QueueManager
  let appQueue: QueueManager
  const children: ChildProcess[] = []

  /** A worker process on the group's Redis; resolves once it reports ready. */
  async function startWorker(flags: string[] = []): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['ace.js', 'worker', '--concurrency', '2', ...flags], {
      cwd: fileURLToPath(app.appRoot),
      env: {
        ...process.env,
        QUEUE_BACKEND: 'redis',
        REDIS_URL: redis.url,
        QUEUE_LOCK_DURATION_MS: String(LOCK_MS),
        QUEUE_STALLED_INTERVAL_MS: String(STALLED_CHECK_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker not ready: ${output}`)), 60_000)
      const read = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000)
        if (output.includes('worker ready')) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.on('data', read)
      child.stderr!.on('data', read)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`worker exited with ${code}: ${output}`))
      })
    })
    return { child, name: `${hostname()}:${child.pid}` }
  }

  group.setup(async () => {
    redis = await startRedisServer()
    const config = app.config.get<QueueConfig>('queue')
    // What the web side queues (the payment webhook) goes to the same Redis.
    queue = new QueueManager({ ...config, backend: 'redis', redis: { url: redis.url } })
    appQueue = await app.container.make('queue')
    app.container.bindValue('queue', queue)
    return async () => {
      for (const child of children) await kill(child)
      app.container.bindValue('queue', appQueue)
      await queue.close()
      await redis.stop()
    }
  })

  test('two workers credit every payment once; one killed holding jobs, the other finishes them', async ({
    assert,
  }) => {
    const gateway = await startSandboxGateway()
    try {
      const PAYMENTS = 24
      // The payment follow-up (which settles quiet open orders itself) kept out
      // of the way: every credit here comes from its notification's job.
      const quiet = ['--payments-every', '3600']
      const workers = [await startWorker(quiet), await startWorker(quiet)]
      const names = workers.map((worker) => worker.name)
      const fixture = await paymentFixture('payment-sandbox', gateway)
      const orders = []
      for (let index = 0; index < PAYMENTS; index++) orders.push(await fixture.open(500 + index))
      const sent: SentNotification[] = []
      for (const order of orders) {
        sent.push((await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification)
      }
      const paid = () => paidCount(fixture.tenant.id)

      // First half: taken by whichever worker is free.
      const half = PAYMENTS / 2
      assert.deepEqual(await deliverNotifications(sent.slice(0, half)), Array(half).fill(204))
      assert.equal(await eventually(paid, (done) => done === half, 60_000), half)

      // Second half: the rider's wallet held (the webhook does not touch it,
      // each credit locks it), so each worker blocks holding two jobs (its
      // concurrency); then one of them is killed.
      const hold = await holdWallet(fixture.rider.id)
      let victimJobs: Job[] = []
      try {
        assert.deepEqual(await deliverNotifications(sent.slice(half)), Array(half).fill(204))
        const active = await activePaymentJobs(queue, 4)
        assert.sameMembers([...new Set(active.map((job) => job.processedBy))], names)
        const victim = workers[0]
        victimJobs = active.filter((job) => job.processedBy === victim.name)
        assert.lengthOf(victimJobs, 2)
        await kill(victim.child)
      } finally {
        await hold.rollback()
      }

      assert.equal(await eventually(paid, (done) => done === PAYMENTS, 60_000), PAYMENTS)
      for (const held of victimJobs) {
        const job = (await queue.queue('payments').getJob(held.id!))!
        assert.equal(await job.getState(), 'completed')
        assert.equal(job.processedBy, workers[1].name, 'taken over by the live worker')
      }
      const completed = await queue.queue('payments').getCompleted(0, -1)
      const applied = completed.filter((job) => job.name === 'payments.apply-event')
      assert.lengthOf(applied, PAYMENTS)
      console.log(
        `payments: ${names.map((name) => `${name} ran ${applied.filter((job) => job.processedBy === name).length}`).join(', ')}; ` +
          `${victimJobs.length} taken over after the kill`
      )

      // Money once: one top-up posting per payment, the wallet their sum, the ledger whole.
      const topups = await owner()
        .from('ledger_entries')
        .where({ rider_id: fixture.rider.id, detail_type: 'qr_topup' })
        .select('reference')
      assert.lengthOf(topups, PAYMENTS)
      assert.sameMembers(
        topups.map((entry) => entry.reference),
        orders.map((order) => order.paymentNo)
      )
      const wallet = await owner().from('wallets').where('rider_id', fixture.rider.id).first()
      assert.equal(
        wallet.real_balance,
        orders.reduce((sum, order) => sum + order.amount, 0)
      )
      const verify = await runLedgerVerify()
      assert.equal(verify.code, 0, verify.output)

      // Each worker process beat on its own heartbeat row.
      const beats = await owner()
        .from('process_heartbeats')
        .where({ role: 'worker', host: hostname() })
        .whereIn(
          'pid',
          workers.map((worker) => worker.child.pid!)
        )
      assert.lengthOf(beats, 2)
    } finally {
      await gateway.close()
      for (const child of children) await kill(child)
    }
  }).timeout(240_000)

  test('scheduled jobs run once per period across two workers; other flags re-time, never duplicate', async ({
    assert,
  }) => {
    const periods = Object.values(EVERY_FLAGS)
    const every = (seconds: number) => periods.flatMap((flag) => [flag, String(seconds)])
    // The first test's workers ran these schedulers at their default periods.
    const since = Date.now()
    const workers = [await startWorker(every(2)), await startWorker(every(2))]
    const EVERY = Object.keys(EVERY_FLAGS)
    const runsOf = (schedulerId: string) => schedulerRuns(queue, schedulerId, since)
    const schedulers = () => schedulersOf(queue)

    const listed = await schedulers()
    assert.sameMembers(
      listed.map((scheduler) => scheduler.id),
      Object.keys(SCHEDULER_QUEUES)
    )

    for (const id of EVERY) {
      const runs = await eventually(
        () => runsOf(id),
        (found) => found.length >= 4,
        60_000
      )
      assert.isAtLeast(runs.length, 4, id)
      // One run per due time, and due times a whole period apart: not one per worker.
      assert.lengthOf(new Set(runs.map((run) => run.due)), runs.length, id)
      for (let index = 1; index < runs.length; index++) {
        assert.isAtLeast(runs[index].due - runs[index - 1].due, 2000, id)
      }
      assert.includeMembers(
        workers.map((worker) => worker.name),
        [...new Set(runs.map((run) => run.by))],
        id
      )
    }
    // The daily, hourly and monthly ones wait for their time: one next run each.
    for (const id of ['payments-reconcile', 'exports-expire', 'exports-monthly-statements']) {
      const delayed = await queue.queue(SCHEDULER_QUEUES[id]).getDelayed(0, -1)
      assert.lengthOf(
        delayed.filter((job) => job.repeatJobKey === id),
        1,
        id
      )
    }

    // A third worker with another period: the same schedulers, re-timed, none added.
    workers.push(await startWorker(every(3)))
    const changedAt = Date.now()
    const after = await schedulers()
    assert.sameMembers(
      after.map((scheduler) => scheduler.id),
      Object.keys(SCHEDULER_QUEUES)
    )
    for (const id of EVERY) {
      assert.equal(after.find((scheduler) => scheduler.id === id)!.every, 3000, id)
      const runs = await eventually(
        async () => {
          const found = await runsOf(id)
          return found.filter((run) => run.due > changedAt)
        },
        (found) => found.length >= 3,
        60_000
      )
      assert.lengthOf(new Set(runs.map((run) => run.due)), runs.length, id)
      for (let index = 1; index < runs.length; index++) {
        assert.isAtLeast(runs[index].due - runs[index - 1].due, 3000, id)
      }
    }
  }).timeout(240_000)
})
