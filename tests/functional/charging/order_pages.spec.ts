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
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

/*
| 订单管理, 异常订单 and 配置 → 计费 through the pages, as a browser sends
| them. Committed fixtures (orders settle in their own transactions).
*/

async function signedIn(fixture: { staff: { account: string }; password: string }) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

/** A settled order of `minutes` at 300 W on port 1. */
async function settledOrder(fixture: Awaited<ReturnType<typeof chargingFixture>>, minutes = 60) {
  const orderNo = await startedBySwipe(fixture)
  await charging.meter.recordMeter(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    orderNo,
    powerDeciwatts: 3000,
    energyWattHours: 150,
    at: new Date(),
  })
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, orderNo, { minutes, watts: 300 })
  )
  return orderNo
}

const TIME_TARIFF = {
  mode: 'time',
  bands: [
    { upToWatts: 200, hours: 4, priceFen: 100 },
    { upToWatts: 400, hours: 3, priceFen: 100 },
  ],
  stepMinutes: 30,
  powerBasis: 'max',
  freeMinutes: 0,
  minimumFen: 0,
  fullPrepaidFen: 500,
  maxHours: 12,
}

test.group('Orders pages', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the list shows every column, filters and pages by keyset', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    const first = await settledOrder(fixture, 60)
    const second = await settledOrder(fixture, 120)
    const browser = await signedIn(fixture)

    const all = await browser.props('/orders')
    assert.deepEqual(
      all.orders.map((order: { orderNo: string }) => order.orderNo),
      [second, first]
    )
    assert.include(all.orders[0], {
      status: 'settled',
      channel: 'card',
      durationType: 'full',
      minutes: 120,
      maxPowerWatts: 300,
      rateFenPerHour: 200,
      amountFen: 400,
      vendorName: '科爵',
      deviceKey: fixture.deviceKey,
      portNo: 1,
      cardNo: fixture.cardNo,
    })

    const byNo = await browser.props(`/orders?orderNo=${first}`)
    assert.deepEqual(
      byNo.orders.map((order: { orderNo: string }) => order.orderNo),
      [first]
    )
    const rider = await owner().from('riders').where('id', fixture.rider.id).firstOrFail()
    for (const query of [
      `phone=${rider.phone}`,
      `cardNo=${fixture.cardNo}`,
      `device=${fixture.deviceKey}`,
      `projectId=${fixture.project.id}`,
      'channel=card',
      'status=settled',
      `vendorId=${fixture.vendor.id}`,
    ]) {
      const found = await browser.props(`/orders?${query}`)
      assert.lengthOf(found.orders, 2, query)
    }
    for (const query of ['channel=app', 'status=charging', 'from=2020-01-01&to=2020-01-02']) {
      const found = await browser.props(`/orders?${query}`)
      assert.lengthOf(found.orders, 0, query)
    }

    // 22 more orders: a page holds 20, the next one the rest, and back again.
    const now = Date.now()
    await owner()
      .table('charging_orders')
      .insert(
        Array.from({ length: 22 }, (_, index) => ({
          tenant_id: fixture.tenant.id,
          order_no: `T${now.toString(36).toUpperCase()}${index}`.slice(0, 16),
          project_id: fixture.project.id,
          station_id: fixture.station.id,
          pile_id: fixture.pile.id,
          port_no: 2,
          vendor_id: fixture.vendor.id,
          vendor_name: '科爵',
          device_key: fixture.deviceKey,
          channel: 'app',
          duration_type: 'hours',
          duration_hours: 2,
          tariff: JSON.stringify(TIME_TARIFF),
          status: 'cancelled',
          max_duration_seconds: 7200,
          created_at: new Date(now - (index + 1) * 3600_000),
          updated_at: new Date(),
        }))
      )
    const page1 = await browser.props('/orders')
    assert.lengthOf(page1.orders, 20)
    assert.isNull(page1.newer)
    const page2 = await browser.props(`/orders?before=${page1.older}`)
    assert.lengthOf(page2.orders, 4)
    assert.isNull(page2.older)
    const back = await browser.props(`/orders?after=${page2.newer}`)
    assert.deepEqual(back.orders, page1.orders)
  })

  test('the detail shows the bill lines and the meter samples', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    const orderNo = await settledOrder(fixture, 90)
    const { id } = await orderRow(orderNo)
    const browser = await signedIn(fixture)

    const { order } = await browser.props(`/orders/${id}`)
    assert.equal(order.orderNo, orderNo)
    assert.equal(order.bill.amountFen, 300)
    assert.deepEqual(
      order.bill.lines.map((line: { kind: string; fen: number }) => [line.kind, line.fen]),
      [['time', 300]]
    )
    assert.lengthOf(order.samples, 1)
    assert.equal(order.samples[0].powerWatts, 300)
    const missing = await browser.get('/orders/999999999')
    assert.equal(missing.status, 404)
  })

  test('异常订单: settle within the cap, close, refund, remote stop, each with a reason', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const offline = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    const { id } = await orderRow(offline)
    const browser = await signedIn(fixture)

    const list = await browser.props('/orders/abnormal?abnormalReason=pile_offline')
    assert.deepEqual(
      list.orders.map((order: { orderNo: string; abnormalReason: string }) => [
        order.orderNo,
        order.abnormalReason,
      ]),
      [[offline, 'pile_offline']]
    )
    const phantoms = await browser.props('/orders/abnormal?abnormalReason=phantom')
    assert.lengthOf(phantoms.orders, 0)

    // No reason: refused by validation; above the cap: refused by the service.
    await browser.send('POST', `/orders/${id}/settle`, { amountFen: 100 }, '/orders/abnormal')
    assert.equal(await orderField(offline, 'status'), 'abnormal')
    await browser.send(
      'POST',
      `/orders/${id}/settle`,
      { amountFen: 501, reason: '估算' },
      '/orders/abnormal'
    )
    assert.equal(await orderField(offline, 'status'), 'abnormal')

    // Still open at the pile: staff may stop it.
    const stop = await browser.send(
      'POST',
      `/orders/${id}/stop`,
      { reason: '设备离线，停止' },
      '/orders/abnormal'
    )
    assert.equal(stop.status, 302)
    const command = await owner()
      .from('device_commands')
      .where({ pile_id: fixture.pile.id, command: 'stop' })
      .firstOrFail()
    assert.equal(command.parameters.orderNo, offline)

    await browser.send(
      'POST',
      `/orders/${id}/settle`,
      { amountFen: 120, reason: '按 1 小时估算' },
      '/orders/abnormal'
    )
    assert.include(await orderRow(offline), { status: 'settled', amount_fen: 120 })
    assert.equal(await realBalance(fixture.rider.id), 880)

    await browser.send('POST', `/orders/${id}/refund`, { reason: '用户投诉' }, '/orders')
    assert.equal(await orderField(offline, 'status'), 'refunded')
    assert.equal(await realBalance(fixture.rider.id), 1000)
    assert.lengthOf(await settlementsOf(offline), 1)

    const actions = await owner()
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereLike('action', 'orders.%')
      .orderBy('chain_seq')
      .select('action')
    assert.deepEqual(
      actions.map((row) => row.action),
      ['orders.remote_stop', 'orders.settle', 'orders.refund']
    )
  })

  test('staff who may only view orders cannot act on them', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000, roles: ['support'] })
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    const { id } = await orderRow(orderNo)
    const browser = await signedIn(fixture)

    const abnormal = await browser.props('/orders/abnormal')
    assert.lengthOf(abnormal.orders, 1)
    for (const action of ['settle', 'close', 'stop']) {
      const response = await browser.send('POST', `/orders/${id}/${action}`, {
        amountFen: 0,
        reason: '越权',
      })
      assert.equal(response.status, 403, action)
    }
    assert.equal(await orderField(orderNo, 'status'), 'abnormal')
    const tariffs = await browser.get('/settings/tariffs')
    assert.equal(tariffs.status, 403)
  })
})

test.group('配置 → 计费', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('saving creates versions, never edits one; the newest is in force', async ({ assert }) => {
    const base = await createTenantWithStaff({ roles: ['super_admin'] })
    const browser = await signedIn(base)

    const empty = await browser.props('/settings/tariffs')
    assert.equal(empty.projectId, base.project.id)
    assert.lengthOf(empty.versions, 0)
    assert.equal(empty.defaults.mode, 'time')

    await browser.send('POST', '/settings/tariffs', {
      projectId: base.project.id,
      rules: TIME_TARIFF,
    })
    const energy = {
      mode: 'energy',
      fenPerKwh: 120,
      serviceFenPerKwh: 30,
      freeMinutes: 5,
      minimumFen: 10,
      fullPrepaidFen: 800,
      maxHours: 10,
    }
    await browser.send('POST', '/settings/tariffs', { projectId: base.project.id, rules: energy })
    const page = await browser.props(`/settings/tariffs?projectId=${base.project.id}`)
    assert.deepEqual(
      page.versions.map((version: { version: number }) => version.version),
      [2, 1]
    )
    assert.deepEqual(page.versions[0].rules, energy)
    assert.deepEqual(page.versions[1].rules, TIME_TARIFF)
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: base.tenant.id, action: 'tariffs.save' })
    assert.lengthOf(audit, 2)
  })

  test('validation: ascending bands, integer fen, a known kind', async ({ assert }) => {
    const base = await createTenantWithStaff({ roles: ['super_admin'] })
    const browser = await signedIn(base)
    const invalid = [
      { ...TIME_TARIFF, bands: [...TIME_TARIFF.bands].reverse() },
      { ...TIME_TARIFF, bands: [{ upToWatts: 200, hours: 4, priceFen: 1.5 }] },
      { ...TIME_TARIFF, bands: [{ upToWatts: 200, hours: 4, priceFen: '100' }] },
      { ...TIME_TARIFF, stepMinutes: 15 },
      { ...TIME_TARIFF, mode: 'monthly' },
      {
        mode: 'per_use',
        fenPerUse: 100,
        freeMinutes: 0,
        minimumFen: -1,
        fullPrepaidFen: 500,
        maxHours: 8,
      },
    ]
    for (const rules of invalid) {
      await browser.send(
        'POST',
        '/settings/tariffs',
        { projectId: base.project.id, rules },
        '/settings/tariffs'
      )
    }
    const other = await createTenantWithStaff()
    await browser.send('POST', '/settings/tariffs', {
      projectId: other.project.id,
      rules: TIME_TARIFF,
    })
    const rows = await owner()
      .from('tariffs')
      .whereIn('tenant_id', [base.tenant.id, other.tenant.id])
    assert.lengthOf(rows, 0)
  })

  test('the preview prices a charge server-side', async ({ assert }) => {
    const base = await createTenantWithStaff({ roles: ['super_admin'] })
    const browser = await signedIn(base)
    const response = await browser.send('POST', '/settings/tariffs/preview', {
      rules: TIME_TARIFF,
      hours: 2,
      watts: 300,
    })
    // 300 W is in the 3-hours-for-1-yuan band: 2 hours cost 67 fen (half up).
    const bill = JSON.parse(response.text)
    assert.equal(bill.amountFen, 67)
    assert.equal(bill.judgedWatts, 300)
  })
})
