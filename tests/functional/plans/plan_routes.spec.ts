import { test } from '@japa/runner'
import LedgerVerifier from '#core/wallet/ledger_verifier'
import { BrowserSession } from '#tests/helpers/login'
import { chargingFixture, orderRow, owner, realBalance } from '#tests/functional/charging/helpers'
import { portPath, signIn } from '#tests/functional/h5/helpers'
import { MONTHLY, definePlan } from '#tests/functional/plans/helpers'

/*
| The plan pages as riders and staff use them: the H5 套餐 page buys from
| the wallet once per key and the next start at a port is paid by the plan
| (套餐支付 on the bill); the counter sells in cash and 退套餐 refunds.
*/

test.group('Plans: H5 and counter routes', () => {
  test('a rider buys a plan on the H5 and the next charge shows 套餐支付', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    await signIn(browser, fixture, path, fixture.rider.phone)

    const page = await browser.props('/h5/plans')
    assert.deepEqual(
      page.offers.map((offer: { id: number }) => offer.id),
      [plan.id]
    )
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      await browser.send(
        'POST',
        `/h5/plans/${plan.id}/buy`,
        { idempotencyKey: 'h5-plan-key-0001' },
        '/h5/plans'
      )
    }
    assert.equal(await realBalance(fixture.rider.id), 2000)
    const mine = await browser.props('/h5/plans')
    assert.lengthOf(mine.mine, 1)
    assert.include(mine.mine[0], { status: 'active', chargesLeft: 2 })

    const started = await browser.send('POST', `${path}/start`, { durationType: 'full' }, path)
    const orderNo = started.location!.split('/').at(-1)!
    const order = await orderRow(orderNo)
    assert.equal(order.rider_plan_id, mine.mine[0].id)
    assert.equal(order.max_duration_seconds, 4 * 3600)
    const bill = await browser.props(`/h5/orders/${orderNo}`)
    assert.isTrue(bill.order.paidByPlan)
    const verified = await new LedgerVerifier().verify()
    assert.isNull(verified.violation)
  })

  test('staff sell a plan in cash at the counter and refund it', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 100 })
    const plan = await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })

    const sold = await browser.send('POST', `/riders/${fixture.rider.id}/plans`, {
      planId: plan.id,
      paidBy: 'cash',
      idempotencyKey: 'counter-plan-0001',
    })
    assert.oneOf(sold.status, [302, 303])
    const page = await browser.props(`/riders/${fixture.rider.id}/plans`)
    assert.lengthOf(page.plans, 1)
    assert.equal(await realBalance(fixture.rider.id), 100)

    const refunded = await browser.send('POST', `/riders/plans/${page.plans[0].id}/refund`, {
      reason: '用户不再使用',
    })
    assert.oneOf(refunded.status, [302, 303])
    const row = await owner().from('rider_plans').where('id', page.plans[0].id).first()
    assert.equal(row.status, 'refunded')
    // Refunded the same day it was bought: all 30 days unused.
    assert.equal(row.refunded_fen, 3000)
    assert.equal(await realBalance(fixture.rider.id), 3100)
    const verified = await new LedgerVerifier().verify()
    assert.isNull(verified.violation)
  })
})
