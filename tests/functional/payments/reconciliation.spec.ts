import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import ReconciliationService, { compareBill } from '#services/finance/reconciliation_service'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { eventually, orderRow, paymentFixture } from './helpers.js'

const payment = (paymentNo: string, amount: number) => ({
  rowKind: 'payment' as const,
  paymentNo,
  refundNo: null,
  amount,
})

test.group('对账: comparing a bill with our records', () => {
  test('one missing, one extra and one mismatched row are exactly three differences', ({
    assert,
  }) => {
    const ours = [payment('P1', 100), payment('P2', 200), payment('P4', 400)]
    const theirs = [payment('P1', 100), payment('P2', 201), payment('P3', 300)]
    assert.sameDeepMembers(compareBill(ours, theirs), [
      {
        kind: 'amount_mismatch',
        rowKind: 'payment',
        paymentNo: 'P2',
        refundNo: null,
        ourAmount: 200,
        theirAmount: 201,
      },
      {
        kind: 'missing_ours',
        rowKind: 'payment',
        paymentNo: 'P3',
        refundNo: null,
        ourAmount: null,
        theirAmount: 300,
      },
      {
        kind: 'missing_theirs',
        rowKind: 'payment',
        paymentNo: 'P4',
        refundNo: null,
        ourAmount: 400,
        theirAmount: null,
      },
    ])
  })

  test('a refund and its payment are matched separately', ({ assert }) => {
    const refund = { rowKind: 'refund' as const, paymentNo: 'P1', refundNo: 'R1', amount: 50 }
    assert.deepEqual(compareBill([payment('P1', 100), refund], [payment('P1', 100), refund]), [])
    assert.lengthOf(compareBill([payment('P1', 100)], [payment('P1', 100), refund]), 1)
  })
})

test.group('对账: the daily job against a provider bill', (group) => {
  let gateway: PaymentGatewayHarness
  group.setup(async () => {
    gateway = await startSandboxGateway()
    return () => gateway.close()
  })

  test("a day's bill with one missing, one extra and one mismatched row is stored as three differences", async ({
    assert,
  }) => {
    const fixture = await paymentFixture('payment-sandbox', gateway)
    const [matched, theirsOnly, mismatched] = await Promise.all([
      fixture.open(100),
      fixture.open(200),
      fixture.open(300),
    ])
    for (const order of [matched, theirsOnly, mismatched]) {
      await gateway.pay(order.paymentNo, { notify: false })
      await fixture.settlement.followUp(fixture.asSystem, order.id)
      assert.propertyVal(await orderRow(order.paymentNo), 'status', 'paid')
    }
    const owner = db.connection('owner')
    // Our records disagree with the provider's in three ways.
    await owner
      .from('payment_orders')
      .where('id', theirsOnly.id)
      .update({ paid_at: DateTime.utc().minus({ days: 3 }).toJSDate() })
    await owner.from('payment_orders').where('id', mismatched.id).update({ amount: 301 })
    const oursOnly = await fixture.open(400)
    await owner
      .from('payment_orders')
      .where('id', oursOnly.id)
      .update({ status: 'paid', paid_at: new Date() })

    const today = DateTime.now().setZone('Asia/Shanghai').toISODate()!
    const reconciliation = new ReconciliationService()
    const first = await reconciliation.reconcile(fixture.asSystem, fixture.settingId, today)
    const again = await reconciliation.reconcile(fixture.asSystem, fixture.settingId, today)
    assert.equal(again.runId, first.runId)
    assert.equal(again.status, 'differences')

    const stored = await eventually(
      () =>
        owner
          .from('reconciliation_differences')
          .where('reconciliation_run_id', first.runId)
          .orderBy('kind'),
      (rows) => rows.length === 3
    )
    assert.deepEqual(
      stored.map((row) => [row.kind, row.payment_no, row.our_amount, row.their_amount]),
      [
        ['amount_mismatch', mismatched.paymentNo, 301, 300],
        ['missing_ours', theirsOnly.paymentNo, null, 200],
        ['missing_theirs', oursOnly.paymentNo, 400, null],
      ]
    )
  })
})
