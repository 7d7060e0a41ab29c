import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { jobs } from '#jobs/registry'
import RiderRefundService from '#services/finance/rider_refund_service'
import type { SentNotification } from '#sdk/testing/payment_contract'
import { eventually, paymentFixture } from '#tests/functional/payments/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'

/*
| Worker kill drill (issue 8): a real `node ace worker` child process (this
| run's database and ports, inherited through the environment) works
| through many payment notifications, then many refunds, and is SIGKILLed
| in the middle of each batch, then started again. Every job still lands
| exactly once. Where the kill falls varies from run to run; what is
| asserted (no lost and no double posting) holds wherever it falls.
*/

const PAYMENTS = 40
const REFUNDS = 12
const owner = () => db.connection('owner')

/** A worker process; resolves once it reports ready. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['ace.js', 'worker', '--concurrency', '2'], {
    cwd: fileURLToPath(app.appRoot),
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready: ${output}`)), 30_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('worker ready')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)))
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return child
}

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** Kills `child` once `progress` is past zero and short of `total`: mid-work. */
async function killMidway(child: ChildProcess, progress: () => Promise<number>, total: number) {
  const reached = await eventually(progress, (done) => done > 0, 30_000)
  await kill(child)
  return { reached, total }
}

function countWhere(table: string, where: Record<string, unknown>) {
  return owner()
    .from(table)
    .where(where)
    .count('* as n')
    .first()
    .then((row) => Number(row.n))
}

/**
 * The worker registers repeating jobs (follow-ups, sweeps); left behind, they
 * keep a job delayed forever and other drills waiting for an idle queue wait.
 */
async function removeWorkerSchedulers() {
  const queues = await app.container.make('queue')
  for (const name of new Set(jobs.map((job) => job.queue))) {
    const queue = queues.queue(name)
    for (const scheduler of await queue.getJobSchedulers()) {
      await queue.removeJobScheduler(scheduler.key)
    }
  }
}

test.group('resilience: the worker killed mid-work', (group) => {
  let gateway: Awaited<ReturnType<typeof startSandboxGateway>>
  const workers: ChildProcess[] = []

  group.setup(async () => {
    gateway = await startSandboxGateway()
    return async () => {
      for (const worker of workers) await kill(worker)
      await gateway.close()
      await removeWorkerSchedulers()
    }
  })

  test('payment notifications and refunds land once across a SIGKILL and a restart', async ({
    assert,
  }) => {
    const fixture = await paymentFixture('payment-sandbox', gateway)
    const tenantId = fixture.tenant.id
    const orders = []
    for (let index = 0; index < PAYMENTS; index++) orders.push(await fixture.open(1000 + index))
    const sent: SentNotification[] = []
    for (const order of orders) {
      sent.push((await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification)
    }

    // Payments: all notifications queued at once, the worker killed after the first credits.
    workers.push(await startWorker())
    const answers = await Promise.all(
      sent.map((notification) =>
        fetch(notification.url, {
          method: 'POST',
          headers: notification.headers,
          body: notification.rawBody,
        }).then((answer) => answer.status)
      )
    )
    assert.isTrue(answers.every((status) => status === 204))
    const paid = () => countWhere('payment_orders', { tenant_id: tenantId, status: 'paid' })
    const first = await killMidway(workers[0], paid, PAYMENTS)
    console.log(`payments: worker killed after ${first.reached}/${PAYMENTS} credited`)

    workers.push(await startWorker())
    assert.equal(
      await eventually(paid, (done) => done === PAYMENTS, 60_000),
      PAYMENTS,
      'every notification credited after the restart'
    )

    // Refunds: many sent to the provider by the worker, killed mid-way again.
    const refunds = new RiderRefundService()
    for (let index = 0; index < REFUNDS; index++) {
      await refunds.refund(fixture.asStaff, {
        riderId: fixture.rider.id,
        projectId: fixture.project.id,
        amount: 100 + index,
        reason: '演练退款',
        channel: 'original',
        idempotencyKey: `drill-refund-${tenantId}-${index}`,
      })
    }
    const sentToProvider = () =>
      owner()
        .from('payment_refunds')
        .where('tenant_id', tenantId)
        .where('attempts', '>', 0)
        .count('* as n')
        .first()
        .then((row) => Number(row.n))
    // A refund larger than what is left of one payment is split over several payments.
    const rows = await owner().from('payment_refunds').where('tenant_id', tenantId)
    assert.isAtLeast(rows.length, REFUNDS)
    const second = await killMidway(workers[1], sentToProvider, rows.length)
    console.log(`refunds: worker killed after ${second.reached}/${rows.length} sent`)
    workers.push(await startWorker())
    await eventually(sentToProvider, (done) => done === rows.length, 60_000)

    for (const row of rows) await gateway.settleRefund(row.refund_no)
    assert.equal(
      await eventually(
        () => countWhere('payment_refunds', { tenant_id: tenantId, status: 'succeeded' }),
        (done) => done === rows.length,
        60_000
      ),
      rows.length
    )

    // No lost and no double postings.
    const entries = await owner()
      .from('ledger_entries')
      .where('rider_id', fixture.rider.id)
      .select('detail_type', 'reference', 'real_in', 'real_out')
    const topups = entries.filter((entry) => entry.detail_type === 'qr_topup')
    assert.lengthOf(topups, PAYMENTS)
    assert.lengthOf(new Set(topups.map((entry) => entry.reference)), PAYMENTS)
    assert.lengthOf(
      entries.filter((entry) => entry.detail_type === 'refund'),
      REFUNDS
    )
    const credited = orders.reduce((sum, order) => sum + order.amount, 0)
    const refunded = Array.from({ length: REFUNDS }, (_, index) => 100 + index).reduce(
      (sum, amount) => sum + amount,
      0
    )
    const wallet = await owner().from('wallets').where('rider_id', fixture.rider.id).first()
    assert.equal(wallet.real_balance, credited - refunded)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(240_000)
})
