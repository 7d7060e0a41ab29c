import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import Project from '#models/project'
import WalletService from '#core/wallet/wallet_service'
import {
  HOURLY,
  chargingFixture,
  charging,
  endRecord,
  owner,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { deviceRegistry, freshDnyKey } from '#tests/functional/devices/helpers'
import { paymentSetting } from '#tests/functional/finance/helpers'
import { BrowserSession } from '#tests/helpers/login'

/*
| 首页 figures against a known fixture, committed through the services and
| the owner connection (no global transaction: the test server reads them).
*/

/**
 * Today: one order settled (60 min at 100 W: ¥1, 100 Wh) and one charging;
 * yesterday: one abnormal order still open. One pile online, one offline,
 * and one failed refund whose rider was debited (owed in cash).
 */
async function homeFixture(roles: ('super_admin' | 'support')[] = ['super_admin']) {
  const fixture = await chargingFixture({ roles })
  const settled = await startedBySwipe(fixture)
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, settled, { minutes: 60, watts: 100 })
  )
  await startedBySwipe(fixture)

  const yesterday = new Date(Date.now() - 30 * 3600_000)
  await owner()
    .table('charging_orders')
    .insert({
      tenant_id: fixture.tenant.id,
      order_no: `Y${randomUUID().replaceAll('-', '').slice(0, 15)}`.toUpperCase(),
      project_id: fixture.project.id,
      station_id: fixture.station.id,
      pile_id: fixture.pile.id,
      port_no: 2,
      vendor_id: fixture.vendor.id,
      vendor_name: fixture.vendor.name,
      device_key: fixture.deviceKey,
      rider_id: fixture.rider.id,
      channel: 'card',
      duration_type: 'full',
      tariff: JSON.stringify(HOURLY),
      status: 'abnormal',
      abnormal_reason: 'no_end',
      abnormal_at: yesterday,
      started_at: yesterday,
      max_duration_seconds: 8 * 3600,
      energy_wh: 5000,
      created_at: yesterday,
      updated_at: yesterday,
    })

  await deviceRegistry(fixture.asAdmin).piles.create({
    stationId: fixture.station.id,
    vendorId: fixture.vendor.id,
    deviceKey: freshDnyKey(),
    name: '2号桩',
    portCount: 2,
  })

  const refunded = await new WalletService().refund(fixture.asAdmin, {
    riderId: fixture.rider.id,
    projectId: fixture.project.id,
    amount: 100,
    reason: '用户申请退款',
    idempotencyKey: `home-refund-${randomUUID()}`,
  })
  const settingId = await paymentSetting(fixture.tenant.id)
  const now = new Date()
  const [payment] = await owner()
    .insertQuery()
    .table('payment_orders')
    .insert({
      tenant_id: fixture.tenant.id,
      project_id: fixture.project.id,
      rider_id: fixture.rider.id,
      payment_no: `PH${randomUUID().replaceAll('-', '')}`.slice(0, 32),
      tenant_plugin_id: settingId,
      plugin_id: 'payment-sandbox',
      merchant_id: `fin-${fixture.tenant.id}`,
      purpose: 'topup',
      amount: 100,
      bonus_amount: 0,
      status: 'paid',
      idempotency_key: randomUUID(),
      refunded_amount: 100,
      expires_at: now,
      paid_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  await owner()
    .table('payment_refunds')
    .insert({
      tenant_id: fixture.tenant.id,
      project_id: fixture.project.id,
      payment_order_id: payment.id,
      refund_no: `RH${randomUUID().replaceAll('-', '')}`.slice(0, 32),
      amount: 100,
      cause: 'rider_refund',
      status: 'failed',
      reason: '用户申请退款',
      attempts: 3,
      failure: 'NOT_ENOUGH: 商户余额不足',
      ledger_entry_id: refunded.entry.id,
      settled_at: now,
      created_at: now,
      updated_at: now,
    })
  return fixture
}

async function homeProps(fixture: { staff: { account: string }; password: string }) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser.props('/')
}

test.group('Home figures', () => {
  test("today's figures and alerts of the staff member's projects", async ({ assert }) => {
    const fixture = await homeFixture()
    const props = await homeProps(fixture)
    assert.deepEqual(props.today, {
      orders: {
        ordersToday: 2,
        revenueToday: 100,
        energyWhToday: 100,
        activeCharges: 1,
        abnormalOpen: 1,
      },
      piles: { online: 1, offline: 1 },
      refundsAwaitingCash: 1,
    })
    assert.deepEqual(props.alerts, [
      { key: 'pilesOffline', count: 1, path: '/operations/piles?online=offline' },
      { key: 'abnormalOrders', count: 1, path: '/orders/abnormal' },
      { key: 'refundsAwaitingCash', count: 1, path: '/finance/refunds?awaitingCash=1' },
    ])
  })

  test('figures follow permissions and project limits', async ({ assert }) => {
    // 客服 sees orders but neither devices nor finance.
    const support = await homeFixture(['support'])
    const supportProps = await homeProps(support)
    assert.equal(supportProps.today.orders.ordersToday, 2)
    assert.isNull(supportProps.today.piles)
    assert.isNull(supportProps.today.refundsAwaitingCash)
    assert.deepEqual(
      supportProps.alerts.map((alert: { key: string }) => alert.key),
      ['abnormalOrders']
    )

    // Limited to another project: nothing of this one.
    const fixture = await homeFixture()
    const elsewhere = await Project.create(
      {
        tenantId: fixture.tenant.id,
        code: `home_${randomUUID().slice(0, 8)}`,
        name: `别处${fixture.tenant.id}`,
        status: 'active',
      },
      { connection: 'owner' }
    )
    await owner().table('staff_projects').insert({
      tenant_id: fixture.tenant.id,
      staff_id: fixture.staff.id,
      project_id: elsewhere.id,
    })
    const limited = await homeProps(fixture)
    assert.deepEqual(limited.today, {
      orders: {
        ordersToday: 0,
        revenueToday: 0,
        energyWhToday: 0,
        activeCharges: 0,
        abnormalOpen: 0,
      },
      piles: { online: 0, offline: 0 },
      refundsAwaitingCash: 0,
    })
    assert.deepEqual(limited.alerts, [])
  })
})
