import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { createRider } from '#tests/functional/cards/helpers'
import {
  charging,
  chargingFixture,
  endRecord,
  orderRow,
  owner,
  realBalance,
  startSeen,
} from '#tests/functional/charging/helpers'
import {
  codeOf,
  flashError,
  freshPhone,
  inboxCode,
  logIn,
  portPath,
  sendCode,
  signIn,
} from '#tests/functional/h5/helpers'

/*
| The rider H5 over real HTTP, as a phone browser uses it. No global
| transaction: the checks read what the requests committed (owner
| connection), and each test has tenants of its own.
*/

/** One prop of a page, as the browser would receive it. */
async function prop(browser: BrowserSession, path: string, name: string) {
  const props = await browser.props(path)
  return props[name]
}

test.group('Rider H5', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the QR page shows the station, port state and tariff; unknown codes get a clear page', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    const page = await browser.get(path)
    assert.equal(page.status, 200)
    assert.equal(page.page!.component, 'h5/port')
    const { port, me } = page.page!.props
    assert.equal(port.stationName, '一号站')
    assert.equal(port.pileName, '1号桩')
    assert.equal(port.portState, 'idle')
    assert.isTrue(port.pileOnline)
    assert.deepEqual(port.tariff.bands[0], { upToWatts: 200, hours: 1, priceFen: 100 })
    assert.isNull(me)
    assert.match(await codeOf(fixture), /^[2-9a-z]{10}$/)

    for (const missing of ['/h5/p/nosuchcode/1', `${path.slice(0, -2)}/9`, '/h5/p/x%27--/1']) {
      const answer = await browser.get(missing)
      assert.equal(answer.status, 404, missing)
      assert.equal(answer.page!.component, 'h5/missing')
    }
  })

  test('a registered rider signs in by SMS code and sees both balances', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1234 })
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    const { code } = await signIn(browser, fixture, path, fixture.rider.phone)
    const { me } = await browser.props(path)
    assert.deepInclude(me, { realBalance: 1234, bonusBalance: 0, frozen: false })

    // The code is spent: it signs nobody else in.
    const other = new BrowserSession()
    await other.get(path)
    await logIn(other, path, { phone: fixture.rider.phone, code })
    assert.equal(await flashError(other, path), '验证码已失效，请重新获取')
    assert.isNull(await prop(other, path, 'me'))
  })

  test('a new phone is asked for a name after a right code, then opens a 线上 account', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    const phone = freshPhone()
    await browser.get(path)
    await sendCode(browser, path, phone)
    const code = await inboxCode(fixture, phone)

    // A wrong code says so, whatever the phone: no name is asked yet.
    const wrong = code === '000000' ? '000001' : '000000'
    await logIn(browser, path, { phone, code: wrong })
    assert.equal(await flashError(browser, path), '验证码错误')

    await logIn(browser, path, { phone, code })
    const asked = await browser.props(path)
    assert.equal(asked.flash.error, '该手机号尚未开户，请填写姓名后登录')
    assert.deepEqual(asked.login, { phone, devCode: null, needsName: true })
    assert.isNull(asked.me)

    // The right code without a name left the code unspent: with a name it opens the account.
    await logIn(browser, path, { phone, code, name: '新骑手' })
    const { me } = await browser.props(path)
    assert.deepInclude(me, { name: '新骑手', phone, realBalance: 0 })
    const rider = await owner()
      .from('riders')
      .where({ tenant_id: fixture.tenant.id, phone })
      .firstOrFail()
    assert.equal(rider.source, 'online')
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'riders.create' })
      .first()
    assert.equal(audit?.actor_account, phone)
  })

  test('start 充满自停, watch it live, stop, and read the bill', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    await signIn(browser, fixture, path, fixture.rider.phone)

    const started = await browser.send('POST', `${path}/start`, { durationType: 'full' }, path)
    assert.equal(started.status, 302)
    const orderNo = started.location!.split('/').at(-1)!
    const order = await orderRow(orderNo)
    assert.deepInclude(order, { channel: 'app', duration_type: 'full', status: 'authorised' })
    const command = await owner()
      .from('device_commands')
      .where({ id: order.start_command_id })
      .firstOrFail()
    assert.equal(command.command, 'start')
    assert.equal(command.parameters.orderNo, orderNo)

    let view = await prop(browser, `/h5/orders/${orderNo}`, 'order')
    assert.equal(view.status, 'authorised')
    // The port page now leads back to the open order instead of a second start.
    assert.equal(await prop(browser, path, 'openOrderNo'), orderNo)

    // The pile's side, as the gateway would report it.
    const at = new Date(Date.now() - 30 * 60_000)
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo,
      at,
    })
    // Billing trusts the platform's clock: it saw this start half an hour ago.
    await startSeen(orderNo, 30 * 60)
    await charging.meter.recordMeter(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo,
      powerDeciwatts: 1500,
      energyWattHours: 75,
      at: new Date(),
    })
    view = await prop(browser, `/h5/orders/${orderNo}`, 'order')
    assert.equal(view.status, 'charging')
    assert.equal(view.maxPowerWatts, 150)
    assert.equal(view.energyWh, 75)
    assert.isAtLeast(view.minutes, 30)
    // 30 minutes at 1 元/小时 so far.
    assert.isAtLeast(view.amountFen, 50)

    const stop = await browser.send(
      'POST',
      `/h5/orders/${orderNo}/stop`,
      {},
      `/h5/orders/${orderNo}`
    )
    assert.equal(stop.status, 302)
    const stopCommand = await owner()
      .from('device_commands')
      .where({ pile_id: fixture.pile.id, command: 'stop' })
      .firstOrFail()
    assert.equal(stopCommand.parameters.orderNo, orderNo)
    const shown = await prop(browser, `/h5/orders/${orderNo}`, 'order')
    assert.isTrue(shown.stopRequested)

    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150, wattHours: 75 })
    )
    view = await prop(browser, `/h5/orders/${orderNo}`, 'order')
    assert.oneOf(view.status, ['ended', 'settled'])
    assert.equal(view.amountFen, 50)
    assert.deepEqual(
      view.bill.lines.map((line: { kind: string; fen: number }) => [line.kind, line.fen]),
      [['time', 50]]
    )
    assert.equal(await realBalance(fixture.rider.id), 950)

    const { orders } = await browser.props('/h5/orders')
    assert.deepEqual(
      orders.map((row: { orderNo: string }) => row.orderNo),
      [orderNo]
    )
    const audits = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id })
      .whereIn('action', ['orders.app_start', 'orders.app_stop'])
      .select('action', 'actor_account')
    assert.lengthOf(audits, 2)
    assert.isTrue(audits.every((row) => row.actor_account === fixture.rider.phone))
  })

  test('a frozen rider and an empty wallet are refused with the reason', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 0 })
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    await signIn(browser, fixture, path, fixture.rider.phone)
    await browser.send('POST', `${path}/start`, { durationType: 'full' }, path)
    assert.equal(await flashError(browser, path), '余额不足')

    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    const shown = await prop(browser, path, 'me')
    assert.isTrue(shown.frozen)
    await browser.send('POST', `${path}/start`, { durationType: 'hours', hours: 2 }, path)
    assert.equal(await flashError(browser, path), '用户已冻结，不能充电')
    const commands = await owner().from('device_commands').where('pile_id', fixture.pile.id)
    assert.lengthOf(commands, 0)
  })

  test('申请退款 of the real balance, approved by finance staff in 财务', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 800 })
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    await signIn(browser, fixture, path, fixture.rider.phone)

    await browser.send('POST', '/h5/refund', { amount: 900, reason: '不用了' }, '/h5/refund')
    assert.equal(
      await flashError(browser, '/h5/refund'),
      '退款金额超过可退的实际充值余额（进行中订单的冻结金额除外）'
    )
    await browser.send('POST', '/h5/refund', { amount: 300, reason: '搬家了' }, '/h5/refund')
    await browser.send('POST', '/h5/refund', { amount: 100, reason: '再来' }, '/h5/refund')
    assert.equal(await flashError(browser, '/h5/refund'), '已有待审核的退款申请')
    const [request] = await prop(browser, '/h5/refund', 'refundRequests')
    assert.deepInclude(request, { amount: 300, status: 'pending' })

    const staff = new BrowserSession()
    await staff.login({ account: fixture.staff.account, password: fixture.password })
    const listed = await staff.props('/finance/refund-requests')
    assert.deepInclude(listed.refundRequests[0], { id: request.id, amount: 300, realBalance: 800 })
    const approved = await staff.send(
      'POST',
      `/finance/refund-requests/${request.id}/approve`,
      { channel: 'cash' },
      '/finance/refund-requests'
    )
    assert.equal(approved.status, 302)
    assert.equal(await realBalance(fixture.rider.id), 500)
    const row = await owner().from('rider_refund_requests').where('id', request.id).firstOrFail()
    assert.deepInclude(row, { status: 'approved', decided_by_staff_id: fixture.staff.id })

    // A second click refunds nothing more.
    await staff.send(
      'POST',
      `/finance/refund-requests/${request.id}/approve`,
      { channel: 'cash' },
      '/finance/refund-requests'
    )
    assert.equal(await realBalance(fixture.rider.id), 500)
    const actions = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id })
      .whereIn('action', ['refund_requests.create', 'refund_requests.approve'])
      .count('* as count')
    assert.equal(Number(actions[0].count), 2)
    const shown = await prop(browser, '/h5/refund', 'refundRequests')
    assert.equal(shown[0].status, 'approved')
  })

  test('a rejection keeps the money; staff without 退款 cannot decide', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 800 })
    const browser = new BrowserSession()
    await signIn(browser, fixture, await portPath(fixture), fixture.rider.phone)
    await browser.send('POST', '/h5/refund', { amount: 200, reason: '不用了' }, '/h5/refund')
    const [request] = await prop(browser, '/h5/refund', 'refundRequests')

    const staff = new BrowserSession()
    await staff.login({ account: fixture.staff.account, password: fixture.password })
    await staff.send(
      'POST',
      `/finance/refund-requests/${request.id}/reject`,
      { note: '有未结订单' },
      '/finance/refund-requests'
    )
    assert.equal(await realBalance(fixture.rider.id), 800)
    const [rejected] = await prop(browser, '/h5/refund', 'refundRequests')
    assert.deepInclude(rejected, { status: 'rejected', decisionNote: '有未结订单' })

    const maintenance = await chargingFixture({ roles: ['maintenance'] })
    const clerk = new BrowserSession()
    await clerk.login({ account: maintenance.staff.account, password: maintenance.password })
    const refused = await clerk.get('/finance/refund-requests')
    assert.equal(refused.status, 403)
  })

  test('tenant walls: a rider sees only their own orders, and only in their tenant', async ({
    assert,
  }) => {
    const home = await chargingFixture()
    const away = await chargingFixture()
    const browser = new BrowserSession()
    const homePath = await portPath(home)
    await signIn(browser, home, homePath, home.rider.phone)

    // Another rider of the same tenant, and a rider of another tenant, each with an order.
    const neighbour = await createRider(home.tenant.id)
    const theirs = await charging.remote.startRemote(home.asAdmin, {
      pileId: home.pile.id,
      portNo: 2,
      riderId: home.rider.id,
      durationType: { kind: 'full' },
      channel: 'staff',
    })
    await owner()
      .from('charging_orders')
      .where('order_no', theirs.orderNo)
      .update({ rider_id: neighbour.id })
    const foreign = await charging.remote.startRemote(away.asAdmin, {
      pileId: away.pile.id,
      portNo: 1,
      riderId: away.rider.id,
      durationType: { kind: 'full' },
      channel: 'staff',
    })
    for (const orderNo of [theirs.orderNo, foreign.orderNo]) {
      const page = await browser.get(`/h5/orders/${orderNo}`)
      assert.equal(page.status, 404, orderNo)
      await browser.send('POST', `/h5/orders/${orderNo}/stop`, {}, homePath)
      const row = await orderRow(orderNo)
      assert.isNull(row.stop_requested_at, orderNo)
    }
    assert.deepEqual(await prop(browser, '/h5/orders', 'orders'), [])

    // At another tenant's pile the session does not count: no balances, no start.
    const awayPath = await portPath(away, 2)
    assert.isNull(await prop(browser, awayPath, 'me'))
    await browser.send('POST', `${awayPath}/start`, { durationType: 'full' }, awayPath)
    assert.equal(await flashError(browser, awayPath), '请在本充电桩重新登录')
    const started = await owner()
      .from('charging_orders')
      .where({ pile_id: away.pile.id, port_no: 2 })
    assert.lengthOf(started, 0)

    // Signed out: the rider pages say to scan a pile.
    await browser.send('POST', '/h5/logout', {}, homePath)
    const out = await browser.get('/h5/orders')
    assert.equal(out.status, 401)
    assert.equal(out.page!.component, 'h5/signed_out')
    assert.isNull(
      await db
        .connection('owner')
        .from('rider_refund_requests')
        .where('rider_id', home.rider.id)
        .first()
    )
  })
})
