import { test } from '@japa/runner'
import {
  charging,
  chargingFixture,
  endRecord,
  orderField,
  orderRow,
  owner,
  realBalance,
  settlementsOf,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { batchInput, couponsAs, couponsOf } from '#tests/functional/coupons/helpers'

/*
| 优惠券 at settlement: the charging units as the gateway drives them, a
| coupon issued through the staff service, money checked to the fen in the
| order, the ledger and the coupon.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

/** A card charge of `minutes` at 100 W (HOURLY: 1 元/小时), ended and settled: the order number. */
async function charge(fixture: Fixture, minutes: number) {
  const orderNo = await startedBySwipe(fixture)
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, orderNo, { minutes, watts: 100 })
  )
  return orderNo
}

async function issued(fixture: Fixture, input: Parameters<typeof batchInput>[1] = {}) {
  const coupons = couponsAs(fixture.asAdmin)
  const batchId = await coupons.create(batchInput(fixture.project.id, input))
  await coupons.issue(batchId, [fixture.rider.phone])
  return batchId
}

async function couponStatuses(riderId: number) {
  const coupons = await couponsOf(riderId)
  return coupons.map((coupon) => coupon.status)
}

/** `ledger:verify` passes over everything committed so far. */
async function ledgerVerified(assert: { equal(actual: unknown, expected: unknown): void }) {
  const verify = await runLedgerVerify()
  assert.equal(verify.code, 0)
}

test.group('Coupons: applied at settlement', () => {
  test('a ¥2.00 coupon on a ¥3.50 charge deducts ¥1.50 and is used on that order', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await issued(fixture)
    const orderNo = await charge(fixture, 210)

    const order = await orderRow(orderNo)
    assert.equal(order.status, 'settled')
    assert.equal(order.amount_fen, 350)
    assert.equal(order.coupon_discount_fen, 200)
    const settlements = await settlementsOf(orderNo)
    assert.lengthOf(settlements, 1)
    assert.equal(settlements[0].real_out + settlements[0].bonus_out, 150)
    assert.equal(await realBalance(fixture.rider.id), 850)
    const [coupon] = await couponsOf(fixture.rider.id)
    assert.include(coupon, { status: 'used', discount_fen: 200 })
    assert.equal(coupon.used_on_order_id, order.id)
    assert.equal(order.rider_coupon_id, coupon.id)
    const hold = await owner().from('wallet_holds').where('order_id', order.id).firstOrFail()
    assert.equal(hold.settled_fen, 150)
    await ledgerVerified(assert)
  })

  test('a repeated settlement and a resent end record use the coupon once', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const batchId = await issued(fixture, { perRiderLimit: 2 })
    await couponsAs(fixture.asAdmin).issue(batchId, [fixture.rider.phone])
    const orderNo = await charge(fixture, 210)
    await charging.settlement.settle(fixture.system, orderNo)
    await Promise.all([
      charging.settlement.settle(fixture.system, orderNo),
      charging.ends.settleEnd(
        fixture.system,
        endRecord(fixture, orderNo, { minutes: 210, watts: 100 })
      ),
    ])

    const coupons = await couponsOf(fixture.rider.id)
    assert.deepEqual(
      coupons.map((coupon) => coupon.status),
      ['used', 'unused']
    )
    assert.lengthOf(await settlementsOf(orderNo), 1)
    assert.equal(await realBalance(fixture.rider.id), 850)
    await ledgerVerified(assert)
  })

  test('a coupon larger than the bill makes it free: no deduction, discount = bill', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await issued(fixture, { amountFen: 500 })
    const orderNo = await charge(fixture, 90)

    const order = await orderRow(orderNo)
    assert.equal(order.amount_fen, 150)
    assert.equal(order.coupon_discount_fen, 150)
    assert.isNull(order.ledger_entry_id)
    assert.lengthOf(await settlementsOf(orderNo), 0)
    assert.equal(await realBalance(fixture.rider.id), 1000)
    await ledgerVerified(assert)
  })

  test('a 1-hour free coupon on a 2-hour charge bills 1 hour', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await issued(fixture, { kind: 'free_hours', amountFen: undefined, freeHours: 1 })
    const orderNo = await charge(fixture, 120)

    const order = await orderRow(orderNo)
    assert.equal(order.amount_fen, 200)
    assert.equal(order.coupon_discount_fen, 100)
    assert.equal(await realBalance(fixture.rider.id), 900)
  })

  test('the coupon taking the most off is used', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await issued(fixture, { amountFen: 100 })
    await issued(fixture, { kind: 'free_hours', amountFen: undefined, freeHours: 2 })
    const orderNo = await charge(fixture, 180)

    assert.equal(await orderField(orderNo, 'coupon_discount_fen'), 200)
    const coupons = await couponsOf(fixture.rider.id)
    assert.deepEqual(
      coupons.map((coupon) => coupon.status),
      ['unused', 'used']
    )
  })

  test("expired coupons and another project's coupons are not applied", async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await issued(fixture)
    await owner()
      .from('rider_coupons')
      .where('rider_id', fixture.rider.id)
      .update({ expires_at: new Date(Date.now() - 60_000) })
    const [other] = await owner()
      .table('projects')
      .insert({
        tenant_id: fixture.tenant.id,
        code: `c2_${fixture.tenant.id}`,
        name: `二号项目${fixture.tenant.id}`,
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const coupons = couponsAs(fixture.asAdmin)
    const elsewhere = await coupons.create(batchInput(Number(other.id)))
    await coupons.issue(elsewhere, [fixture.rider.phone])
    const orderNo = await charge(fixture, 210)

    const order = await orderRow(orderNo)
    assert.equal(order.coupon_discount_fen, 0)
    assert.isNull(order.rider_coupon_id)
    assert.equal(await realBalance(fixture.rider.id), 650)
    assert.deepEqual(await couponStatuses(fixture.rider.id), ['unused', 'unused'])
  })

  test('a settlement the wallet refuses leaves the coupon unused', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await issued(fixture)
    const orderNo = await startedBySwipe(fixture)
    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    const result = await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 210, watts: 100 })
    )

    assert.equal(result.settled, false)
    const order = await orderRow(orderNo)
    assert.equal(order.status, 'abnormal')
    assert.equal(order.coupon_discount_fen, 0)
    assert.deepEqual(await couponStatuses(fixture.rider.id), ['unused'])
  })
})
