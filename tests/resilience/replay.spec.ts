import { test } from '@japa/runner'
import fc from 'fast-check'
import db from '@adonisjs/lucid/services/db'
import type QueueManager from '#core/queue/queue_manager'
import type { SentNotification } from '#sdk/testing/payment_contract'
import {
  charging,
  chargingFixture,
  endRecord,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import {
  eventually,
  orderRow,
  paymentFixture,
  paymentQueueIdle,
  startPaymentWorker,
} from '#tests/functional/payments/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'

/*
| Replay drill (issue 8): a "day" of QR top-ups (signed notifications from
| the sandbox gateway, through the webhook and the worker) and of charging
| orders (the piles' end records, through the charging service) is played
| once, then every notification and end record is played again twice, in a
| shuffled order and concurrently. Nothing may move: not a balance, not a
| ledger row, not an order; ledger:verify passes.
*/

const owner = () => db.connection('owner')

/** What the day left behind for these riders: wallets, ledger rows, orders. */
async function snapshot(riderIds: number[]) {
  const wallets = await owner()
    .from('wallets')
    .whereIn('rider_id', riderIds)
    .orderBy('rider_id')
    .select('rider_id', 'real_balance', 'bonus_balance')
  const entries = await owner()
    .from('ledger_entries')
    .whereIn('rider_id', riderIds)
    .orderBy('id')
    .select('id', 'entry_no', 'detail_type', 'real_in', 'bonus_in', 'real_out', 'bonus_out')
  const charges = await owner()
    .from('charging_orders')
    .whereIn('rider_id', riderIds)
    .orderBy('id')
    .select('order_no', 'status', 'amount_fen', 'ledger_entry_id')
  const payments = await owner()
    .from('payment_orders')
    .whereIn('rider_id', riderIds)
    .orderBy('id')
    .select('payment_no', 'status', 'refunded_amount')
  return { wallets, entries, charges, payments }
}

test.group('resilience: a day replayed twice, out of order', (group) => {
  let gateway: Awaited<ReturnType<typeof startSandboxGateway>>
  let queue: QueueManager

  group.setup(async () => {
    gateway = await startSandboxGateway()
    queue = await startPaymentWorker()
    return async () => {
      await queue.close()
      await gateway.close()
    }
  })

  test('payment notifications and end records change nothing the second and third time', async ({
    assert,
  }) => {
    // The day: five QR top-ups, each notified once.
    const payer = await paymentFixture('payment-sandbox', gateway)
    const notifications: SentNotification[] = []
    for (const [amount, bonus] of [
      [2000, 0],
      [5000, 100],
      [100, 0],
      [10000, 500],
      [1, 0],
    ]) {
      const order = await payer.open(amount, bonus)
      const sent = (await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification
      const answer = await fetch(sent.url, {
        method: 'POST',
        headers: sent.headers,
        body: sent.rawBody,
      })
      assert.isTrue(answer.ok)
      notifications.push(sent)
      await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
    }

    // The day: five card charges at one pile, each ended by the pile's end record.
    const site = await chargingFixture({ balance: 3000 })
    const endRecords: ReturnType<typeof endRecord>[] = []
    for (const [minutes, watts] of [
      [45, 150],
      [120, 400],
      [0, 0],
      [300, 180],
      [10, 900],
    ]) {
      const orderNo = await startedBySwipe(site)
      const record = endRecord(site, orderNo, { minutes, watts })
      const settled = await charging.ends.settleEnd(site.system, record)
      assert.equal(settled.orderNo, orderNo)
      endRecords.push(record)
    }

    const riders = [payer.rider.id, site.rider.id]
    const day = await snapshot(riders)
    assert.lengthOf(day.entries, 5 + 1 + 4)
    assert.isTrue(day.charges.every((order) => order.status === 'settled'))

    // The replay: everything twice, shuffled, sent at once.
    const replays = [
      ...notifications.flatMap((sent) => [sent, sent]).map((sent) => ({ sent })),
      ...endRecords.flatMap((record) => [record, record]).map((record) => ({ record })),
    ]
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    const [order] = fc.sample(
      fc.shuffledSubarray(replays, { minLength: replays.length, maxLength: replays.length }),
      { seed, numRuns: 1 }
    )
    const answers = await Promise.all(
      order.map((item) =>
        'sent' in item
          ? fetch(item.sent.url, {
              method: 'POST',
              headers: item.sent.headers,
              body: item.sent.rawBody,
            }).then((answer) => answer.status)
          : charging.ends.settleEnd(site.system, item.record).then((result) => result.settled)
      )
    )
    assert.isTrue(
      answers.every((answer) => answer === 204 || answer === true),
      `seed ${seed}: ${answers.join(',')}`
    )
    await paymentQueueIdle(queue)

    assert.deepEqual(await snapshot(riders), day, `replay seed ${seed}`)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  })
})
