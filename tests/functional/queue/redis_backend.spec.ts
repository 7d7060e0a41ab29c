import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import heartbeatJob from '#jobs/heartbeat_job'
import { jobs } from '#jobs/registry'
import { offlineSweepJob } from '#jobs/device_jobs'
import { chargingWatchdogJob } from '#jobs/charging_jobs'
import { expireExportsJob } from '#jobs/report_jobs'
import { followUpPaymentsJob } from '#jobs/payment_jobs'
import type { QueueConfig } from '#config/queue'
import QueueManager from '#core/queue/queue_manager'
import { thisProcess } from '#core/processes/heartbeat_service'
import WalletService from '#core/wallet/wallet_service'
import RiderRefundService from '#services/finance/rider_refund_service'
import { eventually, orderRow, paymentFixture, refundsOf } from '#tests/functional/payments/helpers'
import { createRider, entriesOf, walletFixture, walletOf } from '#tests/functional/wallet/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { startRedisServer, type RedisServer } from '#tests/support/redis_server'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'

/*
| QUEUE_BACKEND=redis for real: a redis-server of the test's own, BullMQ
| workers for every queue of the registry on it, and the app's queue (what
| the webhook, the refund service and the export request dispatch through)
| pointed at it for the group. Committed fixtures: the worker reads them.
*/

type Finished = { name: string; state: string; processedBy?: string }

test.group('Queue on Redis: every job kind runs', (group) => {
  let redis: RedisServer
  let queue: QueueManager
  let appQueue: QueueManager

  group.setup(async () => {
    redis = await startRedisServer()
    const config = app.config.get<QueueConfig>('queue')
    queue = new QueueManager({ ...config, backend: 'redis', redis: { url: redis.url } })
    const workers = queue.startWorkers(jobs, 2)
    await Promise.all(workers.map((worker) => worker.waitUntilReady()))
    appQueue = await app.container.make('queue')
    app.container.bindValue('queue', queue)
    return async () => {
      app.container.bindValue('queue', appQueue)
      await queue.close()
      await redis.stop()
    }
  })
  group.each.setup(() => resetLoginLimits())

  /** The job's end state on Redis, once it has one. */
  async function finished(queueName: string, id: string): Promise<Finished> {
    const state = await eventually(
      async () => {
        const job = await queue.queue(queueName).getJob(id)
        return { name: job?.name ?? '', state: job ? await job.getState() : 'missing', job }
      },
      ({ state: current }) => current === 'completed' || current === 'failed',
      30_000
    )
    return { name: state.name, state: state.state, processedBy: state.job?.processedBy }
  }

  /** The names of the jobs completed on Redis on `queueName`. */
  async function completedOn(queueName: string) {
    const done = await queue.queue(queueName).getCompleted(0, 1000)
    return done.map((job) => job.name)
  }

  test('one worker per queue of the registry runs on Redis, and the scheduled kinds complete there', async ({
    assert,
  }) => {
    assert.equal(queue.backend, 'redis')
    const queues = [...new Set(jobs.map((job) => job.queue))]
    for (const name of queues) {
      const workers = await queue.queue(name).getWorkers()
      assert.lengthOf(workers, 1, name)
    }

    // Reconciliation and monthly statements go over every tenant of the shared
    // test database; their queues are served on Redis like the kinds below.
    const dispatched = [
      await queue.dispatch(heartbeatJob, { role: 'worker', ...thisProcess(60) }),
      await queue.dispatch(offlineSweepJob, {}),
      await queue.dispatch(chargingWatchdogJob, {}),
      await queue.dispatch(expireExportsJob, {}),
      await queue.dispatch(followUpPaymentsJob, { limit: 1 }),
    ]
    for (const job of dispatched) {
      const end = await finished(job.queueName, job.id!)
      assert.deepEqual([end.name, end.state], [job.name, 'completed'])
      assert.equal(end.processedBy, `${thisProcess().host}:${process.pid}`)
    }
    const beat = await db
      .from('process_heartbeats')
      .where({ role: 'worker', pid: process.pid })
      .firstOrFail()
    assert.isAtLeast(Number(beat.beats), 1)
  }).timeout(60_000)

  test('a paid notification credits once and a refund is sent and settled, through Redis', async ({
    assert,
  }) => {
    const gateway = await startSandboxGateway()
    try {
      const fixture = await paymentFixture('payment-sandbox', gateway)
      const order = await fixture.open(2000)
      const sent = (await gateway.pay(order.paymentNo, { deliver: false }))!
      // The same notification twice: the provider retries; money lands once.
      for (let delivery = 0; delivery < 2; delivery++) {
        const answer = await fetch(sent.url, {
          method: 'POST',
          headers: sent.headers,
          body: sent.rawBody,
        })
        assert.equal(answer.status, 204)
      }
      const paid = await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
      assert.equal(paid.status, 'paid')
      assert.include(await completedOn('payments'), 'payments.apply-event')

      await new RiderRefundService().refund(fixture.asStaff, {
        riderId: fixture.rider.id,
        projectId: fixture.project.id,
        amount: 700,
        reason: '用户申请退款',
        channel: 'original',
        idempotencyKey: `redis-refund-${order.paymentNo}`,
      })
      const [refund] = await eventually(
        () => refundsOf(order.id),
        (rows) => rows.length === 1 && rows[0].attempts > 0
      )
      assert.include(await completedOn('payments'), 'payments.send-refund')
      await gateway.settleRefund(refund.refund_no)
      const [settled] = await eventually(
        () => refundsOf(order.id),
        ([row]) => row.status === 'succeeded'
      )
      assert.equal(settled.status, 'succeeded')

      const entries = await entriesOf(fixture.rider.id)
      assert.deepEqual(entries.map((entry) => entry.detail_type).sort(), ['qr_topup', 'refund'])
      assert.equal(
        entries.find((entry) => entry.detail_type === 'qr_topup').reference,
        order.paymentNo
      )
      assert.deepInclude(await walletOf(fixture.rider.id), { real_balance: 1300 })
    } finally {
      await gateway.close()
    }
  }).timeout(60_000)

  test('an export requested over HTTP is made by the worker on Redis and downloads', async ({
    assert,
  }) => {
    const fixture = await walletFixture()
    const rider = await createRider(fixture.tenant.id)
    await new WalletService().topUpCash(fixture.asStaff, {
      riderId: rider.id,
      projectId: fixture.project.id,
      realAmount: 4321,
      idempotencyKey: randomUUID(),
    })
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
    const started = await browser.send('POST', '/finance/exports/ledger', {
      format: 'xlsx',
      filters: { from: today, to: today },
    })
    assert.equal(started.status, 200, started.text)
    const { id } = JSON.parse(started.text)
    const record = await eventually(
      async () => {
        const answer = await browser.get(`/finance/exports/${id}`)
        return JSON.parse(answer.text)
      },
      (current) => current.status === 'done' || current.status === 'failed',
      30_000
    )
    assert.equal(record.status, 'done', record.error)
    assert.equal(record.rowsTotal, 1)
    assert.include(await completedOn('exports'), 'exports.run')
    const file = await browser.download(`/finance/exports/${id}/download`)
    assert.equal(file.status, 200)
    assert.isAbove(file.bytes.length, 0)
  }).timeout(60_000)
})
