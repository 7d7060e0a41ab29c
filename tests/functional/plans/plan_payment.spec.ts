import { test } from '@japa/runner'
import LedgerVerifier from '#core/wallet/ledger_verifier'
import PaymentSettlement from '#services/finance/payment_settlement'
import { chargingFixture, owner, realBalance } from '#tests/functional/charging/helpers'
import { MONTHLY, definePlan, ledgerOf } from '#tests/functional/plans/helpers'

/*
| A plan paid by a mobile payment (purpose `plan`): once the provider says
| paid, the plan is bought in the same transaction, credited and spent in
| one ledger entry, once however often the provider repeats itself.
*/

async function pendingPlanPayment(
  fixture: Awaited<ReturnType<typeof chargingFixture>>,
  planId: number
) {
  const now = new Date()
  const [setting] = await owner()
    .insertQuery()
    .table('tenant_plugins')
    .insert({
      tenant_id: fixture.tenant.id,
      plugin_id: 'payment-sandbox',
      kind: 'payment',
      settings: { merchantId: 'plan-merchant' },
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  const paymentNo = `PP${Date.now()}${process.pid}`.slice(0, 32)
  await owner()
    .insertQuery()
    .table('payment_orders')
    .insert({
      tenant_id: fixture.tenant.id,
      project_id: fixture.project.id,
      rider_id: fixture.rider.id,
      payment_no: paymentNo,
      tenant_plugin_id: setting.id,
      plugin_id: 'payment-sandbox',
      merchant_id: 'plan-merchant',
      purpose: 'plan',
      purpose_data: JSON.stringify({ planId }),
      amount: 3000,
      status: 'pending',
      idempotency_key: `plan-payment-${paymentNo}`,
      expires_at: new Date(Date.now() + 300_000),
      created_at: now,
      updated_at: now,
    })
  return paymentNo
}

test.group('Plans: bought by a mobile payment', () => {
  test('paid once: the plan is bought, credited and spent in one entry', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 0 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const paymentNo = await pendingPlanPayment(fixture, plan.id)
    const report = {
      paymentNo,
      amount: 3000,
      providerTradeNo: 'T-plan-1',
      paidAt: new Date(),
      merchant: { merchantId: 'plan-merchant', appId: null },
      raw: {},
      source: 'notification' as const,
    }
    const settlement = new PaymentSettlement()
    assert.equal(await settlement.settle(fixture.system, report), 'credited')
    assert.equal(await settlement.settle(fixture.system, report), 'duplicate')

    const plans = await owner().from('rider_plans').where('rider_id', fixture.rider.id)
    assert.lengthOf(plans, 1)
    assert.include(plans[0], { status: 'active', paid_by: 'payment', payment_no: paymentNo })
    const entries = await ledgerOf(fixture.rider.id)
    assert.lengthOf(entries, 1)
    assert.include(entries[0], {
      detail_type: 'plan_purchase',
      real_in: 3000,
      real_out: 3000,
      real_after: 0,
    })
    assert.equal(await realBalance(fixture.rider.id), 0)
    const verified = await new LedgerVerifier().verify()
    assert.isNull(verified.violation)
  })
})
