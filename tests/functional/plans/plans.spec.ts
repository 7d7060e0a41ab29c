import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS } from '#core/access/permissions'
import {
  chargingFixture,
  orderRow,
  outcome,
  owner,
  realBalance,
  settlementsOf,
} from '#tests/functional/charging/helpers'
import LedgerVerifier from '#core/wallet/ledger_verifier'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import {
  COUNT_CARD,
  MONTHLY,
  chargeOnce,
  definePlan,
  ledgerOf,
  riderPlans,
} from '#tests/functional/plans/helpers'

/*
| 包月 and 次卡: bought from the wallet, charged on (no hold, no deduction,
| capped at the plan's hours, counted once), refunded pro rata. The ledger
| is verified after each step that posts.
*/

/** The ledger:verify check, in this process (the command itself runs once, at the end of the first test). */
async function ledgerHolds(assert: { isNull: (value: unknown, message?: string) => void }) {
  const result = await new LedgerVerifier().verify()
  assert.isNull(result.violation, result.violation ?? '')
}

test.group('Plans: 包月', () => {
  test('bought from the wallet, two charges a day on it cost nothing, the third is charged', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const bought = await riderPlans.purchase(fixture.asAdmin, {
      riderId: fixture.rider.id,
      planId: plan.id,
      paidBy: 'wallet',
      idempotencyKey: 'buy-monthly-1',
    })
    assert.equal(bought.status, 'active')
    assert.equal(bought.endsAt.diff(bought.startsAt, 'days').days, 30)
    // The same key again buys nothing more.
    const again = await riderPlans.purchase(fixture.asAdmin, {
      riderId: fixture.rider.id,
      planId: plan.id,
      paidBy: 'wallet',
      idempotencyKey: 'buy-monthly-1',
    })
    assert.equal(again.id, bought.id)
    const entries = await ledgerOf(fixture.rider.id)
    assert.deepInclude(entries[entries.length - 1], {
      detail_type: 'plan_purchase',
      real_in: 0,
      real_out: 3000,
      real_after: 2000,
    })
    assert.equal(entries.filter((entry) => entry.detail_type === 'plan_purchase').length, 1)
    assert.equal(await realBalance(fixture.rider.id), 2000)
    await ledgerHolds(assert)

    for (let charge = 1; charge <= 2; charge += 1) {
      const { orderNo, decision } = await chargeOnce(fixture)
      assert.equal(decision.maxDurationSeconds, 4 * 3600)
      const order = await orderRow(orderNo)
      assert.equal(order.rider_plan_id, bought.id)
      assert.equal(order.status, 'settled')
      assert.equal(order.amount_fen, 0)
      assert.equal(order.cap_fen, 0)
      assert.lengthOf(await settlementsOf(orderNo), 0)
      const holds = await owner().from('wallet_holds').where('order_id', order.id)
      assert.lengthOf(holds, 0)
    }
    assert.equal(await realBalance(fixture.rider.id), 2000)

    // The third charge today is the wallet's: held, billed 1 元 for an hour at 150 W.
    const third = await chargeOnce(fixture)
    const order = await orderRow(third.orderNo)
    const settled = await settlementsOf(third.orderNo)
    assert.isNull(order.rider_plan_id)
    assert.equal(order.amount_fen, 100)
    assert.deepEqual(
      settled.map((row) => row.real_out),
      [100]
    )
    assert.equal(await realBalance(fixture.rider.id), 1900)

    const [view] = await riderPlans.list(fixture.asAdmin, fixture.rider.id)
    assert.include(view, { status: 'active', usedToday: 2, chargesLeft: 0 })
    await ledgerHolds(assert)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(180_000)

  test('退套餐 after 10 of 30 days refunds 2000 fen, once', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 3000 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const bought = await riderPlans.purchase(fixture.asAdmin, {
      riderId: fixture.rider.id,
      planId: plan.id,
      paidBy: 'wallet',
      idempotencyKey: 'buy-monthly-refund',
    })
    assert.equal(await realBalance(fixture.rider.id), 0)
    const startedAt = DateTime.now().minus({ days: 10 })
    await owner()
      .from('rider_plans')
      .where('id', bought.id)
      .update({
        starts_at: startedAt.toJSDate(),
        ends_at: startedAt.plus({ days: 30 }).toJSDate(),
      })

    const refunded = await riderPlans.refund(fixture.asAdmin, bought.id, '用户退租')
    assert.equal(refunded.status, 'refunded')
    assert.equal(refunded.refundedFen, 2000)
    assert.equal(await realBalance(fixture.rider.id), 2000)
    const again = await riderPlans.refund(fixture.asAdmin, bought.id, '用户退租')
    assert.equal(again.refundedFen, 2000)
    assert.equal(await realBalance(fixture.rider.id), 2000)
    const entries = await ledgerOf(fixture.rider.id)
    assert.deepInclude(entries[entries.length - 1], {
      detail_type: 'plan_refund',
      real_in: 2000,
      real_after: 2000,
    })
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'rider_plans.refund' })
    assert.lengthOf(audit, 1)

    // A refunded plan pays no more charges: the swipe is the wallet's again.
    const { orderNo } = await chargeOnce(fixture)
    const unpaid = await orderRow(orderNo)
    assert.isNull(unpaid.rider_plan_id)
    await ledgerHolds(assert)
  })
})

test.group('Plans: 次卡', () => {
  test('a 10-charge card counts down, and its refund is the charges left', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 2000 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, COUNT_CARD)
    const bought = await riderPlans.purchase(fixture.asAdmin, {
      riderId: fixture.rider.id,
      planId: plan.id,
      paidBy: 'wallet',
      idempotencyKey: 'buy-count-1',
    })
    for (const left of [9, 8, 7]) {
      const { orderNo } = await chargeOnce(fixture)
      const order = await orderRow(orderNo)
      assert.equal(order.rider_plan_id, bought.id)
      const [view] = await riderPlans.list(fixture.asAdmin, fixture.rider.id)
      assert.equal(view.chargesLeft, left)
    }
    assert.equal(await realBalance(fixture.rider.id), 0)
    const refunded = await riderPlans.refund(fixture.asAdmin, bought.id, '退卡')
    assert.equal(refunded.refundedFen, 1400)
    assert.equal(await realBalance(fixture.rider.id), 1400)
    await ledgerHolds(assert)
  })

  test('bought in cash at the counter: paid in and spent in one entry', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 100 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, COUNT_CARD)
    await riderPlans.purchase(fixture.asAdmin, {
      riderId: fixture.rider.id,
      planId: plan.id,
      paidBy: 'cash',
      idempotencyKey: 'buy-cash-1',
    })
    const entries = await ledgerOf(fixture.rider.id)
    assert.deepInclude(entries[entries.length - 1], {
      detail_type: 'plan_purchase',
      real_in: 2000,
      real_out: 2000,
      real_after: 100,
    })
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'wallet.plan_purchase_cash' })
    assert.lengthOf(audit, 1)
    await ledgerHolds(assert)
  })
})

test.group('Plans: refusals change nothing', () => {
  test('insufficient balance, another project, frozen rider, project-limited staff', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 2999 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const buy = (tenant: TenantContext, planId = plan.id, key = 'refused-1') =>
      outcome(
        riderPlans.purchase(tenant, {
          riderId: fixture.rider.id,
          planId,
          paidBy: 'wallet',
          idempotencyKey: key,
        })
      )
    const unchanged = async () => {
      assert.equal(await realBalance(fixture.rider.id), 2999)
      const plans = await owner().from('rider_plans').where('rider_id', fixture.rider.id)
      assert.lengthOf(plans, 0)
    }

    assert.equal(await buy(fixture.asAdmin), 'insufficientBalance')
    await unchanged()

    // Staff limited to another project neither see nor sell this project's plan.
    const other = await owner()
      .table('projects')
      .insert({
        tenant_id: fixture.tenant.id,
        code: `other${Date.now()}`,
        name: '另一个项目',
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const limited = new TenantContext(
      fixture.tenant.id,
      fixture.staff.id,
      [other[0].id],
      new Set(PERMISSIONS),
      { actor: null, request: null }
    )
    assert.equal(await buy(limited), 'planNotFound')
    await unchanged()

    // A plan of another tenant is not found.
    const stranger = await chargingFixture({ balance: 0 })
    const foreign = await definePlan(stranger.asAdmin, stranger.project.id, MONTHLY)
    assert.equal(await buy(fixture.asAdmin, foreign.id), 'planNotFound')
    await unchanged()

    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    assert.equal(await buy(fixture.asAdmin, plan.id, 'refused-2'), 'riderFrozen')
    await unchanged()

    // A price above the project's cap on one top-up is refused.
    assert.equal(
      await outcome(
        definePlan(fixture.asAdmin, fixture.project.id, { ...MONTHLY, priceFen: 500_001 })
      ),
      'priceAboveCap'
    )
    await ledgerHolds(assert)
  })

  test('a plan of another project pays no charge here', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    const other = await owner()
      .table('projects')
      .insert({
        tenant_id: fixture.tenant.id,
        code: `p2${Date.now()}`,
        name: '二期',
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const plan = await definePlan(fixture.asAdmin, other[0].id, MONTHLY)
    await riderPlans.purchase(fixture.asAdmin, {
      riderId: fixture.rider.id,
      planId: plan.id,
      paidBy: 'wallet',
      idempotencyKey: 'other-project-plan',
    })
    const { orderNo } = await chargeOnce(fixture)
    const order = await orderRow(orderNo)
    assert.isNull(order.rider_plan_id)
    assert.equal(order.amount_fen, 100)
  })
})
