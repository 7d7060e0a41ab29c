import { test } from '@japa/runner'
import { createRider } from '#tests/functional/cards/helpers'
import { charging, chargingFixture } from '#tests/functional/charging/helpers'
import WalletService from '#core/wallet/wallet_service'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

/*
| 订单 → 姓名 (operator-manual-2021, chapter 7): part of the rider's name
| finds their orders, within the staff member's own tenant only; the input
| is bounded and matched literally. Committed fixtures.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

/** An APP order on `portNo` by a new rider named `name`, with money to charge. */
async function orderBy(fixture: Fixture, name: string, portNo: number) {
  const rider = await createRider(fixture.tenant.id, { name })
  await new WalletService().topUpCash(fixture.asAdmin, {
    riderId: rider.id,
    projectId: fixture.project.id,
    realAmount: 1000,
    idempotencyKey: `name-filter:${rider.id}`,
  })
  const { orderNo } = await charging.remote.startRemote(fixture.system, {
    pileId: fixture.pile.id,
    portNo,
    riderId: rider.id,
    durationType: { kind: 'full' },
    channel: 'app',
  })
  return orderNo
}

const orderNos = (props: Record<string, any>) =>
  props.orders.map((order: { orderNo: string }) => order.orderNo)

test.group('订单 filtered by 姓名', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('part of a name finds that rider’s orders, and only this tenant’s', async ({ assert }) => {
    const ours = await chargingFixture()
    const theirs = await chargingFixture()
    const wang = await orderBy(ours, '王小明', 1)
    const li = await orderBy(ours, '李小红', 2)
    // Another tenant's rider of the same name.
    const otherWang = await orderBy(theirs, '王小明', 1)
    const browser = new BrowserSession()
    await browser.login({ account: ours.staff.account, password: ours.password })

    assert.sameMembers(orderNos(await browser.props('/orders')), [wang, li])
    const found = await browser.props(`/orders?name=${encodeURIComponent('小明')}`)
    assert.deepEqual(orderNos(found), [wang])
    assert.equal(found.filters.name, '小明')
    assert.notInclude(orderNos(found), otherWang)
    assert.deepEqual(orderNos(await browser.props(`/orders?name=${encodeURIComponent('小')}`)), [
      li,
      wang,
    ])

    // The other tenant's staff sees their own 王小明 alone.
    const other = new BrowserSession()
    await other.login({ account: theirs.staff.account, password: theirs.password })
    assert.deepEqual(orderNos(await other.props(`/orders?name=${encodeURIComponent('王小明')}`)), [
      otherWang,
    ])
  })

  test('a name is matched literally and bounded: wildcards find nothing, an overlong one is refused', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const order = await orderBy(fixture, '王小明', 1)
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })

    for (const name of ['%', '_', '王%', '\\']) {
      const found = await browser.props(`/orders?name=${encodeURIComponent(name)}`)
      assert.deepEqual(orderNos(found), [], name)
    }
    assert.deepEqual(orderNos(await browser.props('/orders?name=%20%E5%B0%8F%E6%98%8E%20')), [
      order,
    ])

    // Longer than any name (64): refused at the edge, the list not read.
    const refused = await browser.get(`/orders?name=${'王'.repeat(65)}`)
    assert.equal(refused.status, 302)
    const after = await browser.props('/orders')
    assert.deepEqual(orderNos(after), [order])
  })
})
