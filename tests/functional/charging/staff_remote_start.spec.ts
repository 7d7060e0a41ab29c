import { test } from '@japa/runner'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { createRider, freshCardNo, stockCards } from '#tests/functional/cards/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { chargingFixture, owner, realBalance, settlementsOf, startSeen } from './helpers.js'
import { ocppSetUp } from './ocpp_gateway.js'

/*
| 运维 → 充电桩 → 端口 → 启动充电: staff start a charge for a rider found by
| phone or card (paid as the rider's own start), or a free test charge
| (免费测试) with no rider and no money; the reason is audited. Through the
| real gateway: a GatewayHost runs the vendor-ocpp16 adapter and a raw OCPP
| charger answers it frame by frame. Committed data, read through the owner
| connection.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

async function staffBrowser(fixture: Pick<Fixture, 'staff' | 'password'>) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

/** 启动充电 as the pile page posts it; the page it came from, for the flashed answer. */
function startOn(browser: BrowserSession, pileId: number, portNo: number, body: object) {
  const page = `/operations/piles/${pileId}`
  return browser.send('POST', `${page}/ports/${portNo}/start`, body, page)
}

function ordersOf(pileId: number) {
  return owner().from('charging_orders').where('pile_id', pileId).orderBy('id')
}

function startAudits(tenantId: number) {
  return owner()
    .from('audit_logs')
    .where({ tenant_id: tenantId, action: 'orders.remote_start' })
    .orderBy('chain_seq')
}

test.group('Staff remote start through the gateway (OCPP)', (group) => {
  group.each.setup(() => resetLoginLimits())

  /** Starts and ends the charge the gateway was told to start on connector 1, `minutes` long. */
  async function chargeAtPile(
    setup: Awaited<ReturnType<typeof ocppSetUp>>,
    host: ReturnType<Awaited<ReturnType<typeof ocppSetUp>>['gateway']>,
    charger: Awaited<ReturnType<Awaited<ReturnType<typeof ocppSetUp>>['connect']>>,
    minutes: number
  ) {
    const [order] = await ordersOf(setup.pile.id)
    const sending = host.sendCommand(Number(order.start_command_id))
    const request = await charger.charger.next()
    charger.charger.sendRaw(JSON.stringify([3, request[1], { status: 'Accepted' }]))
    const startedAt = new Date(Date.now() - minutes * 60_000)
    const started = await charger.call('StartTransaction', {
      connectorId: request[3].connectorId,
      idTag: request[3].idTag,
      meterStart: 1000,
      timestamp: startedAt.toISOString(),
    })
    await charger.call('StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Charging',
    })
    await startSeen(order.order_no, minutes * 60)
    await charger.call('StopTransaction', {
      transactionId: started.transactionId,
      meterStop: 1000 + minutes,
      timestamp: new Date().toISOString(),
      reason: 'EVDisconnected',
    })
    return { order, request, command: await sending, started }
  }

  test('a rider found by phone: the charger is told, charges and the wallet pays once; the reason is audited', async ({
    assert,
  }) => {
    const setup = await ocppSetUp({ balance: 1000 })
    const host = setup.gateway()
    await host.start()
    try {
      const charger = await setup.connect(host)
      const browser = await staffBrowser(setup)
      const answer = await startOn(browser, setup.pile.id, 1, {
        payer: 'phone',
        phone: setup.rider.phone,
        hours: 1,
        reason: '用户手机没电，电话求助',
      })
      assert.equal(answer.status, 302)
      const { flash } = await browser.props(`/operations/piles/${setup.pile.id}`)
      assert.include(flash.success, '启动指令已提交')

      const { order, request, command } = await chargeAtPile(setup, host, charger, 30)
      assert.equal(request[2], 'RemoteStartTransaction')
      assert.equal(command, 'acked')
      assert.deepInclude(order, {
        rider_id: setup.rider.id,
        channel: 'staff',
        free_test: false,
        duration_type: 'hours',
      })
      await charger.charger.close()

      const [ended] = await ordersOf(setup.pile.id)
      assert.equal(ended.status, 'settled')
      assert.isAbove(ended.amount_fen, 0)
      assert.lengthOf(await settlementsOf(ended.order_no), 1)
      assert.equal(await realBalance(setup.rider.id), 1000 - ended.amount_fen)

      const [audit] = await startAudits(setup.tenant.id)
      assert.equal(audit.staff_id, setup.staff.id)
      assert.deepInclude(audit.after, {
        orderNo: ended.order_no,
        reason: '用户手机没电，电话求助',
      })
      const verified = await runLedgerVerify()
      assert.equal(verified.code, 0, verified.output)
    } finally {
      await host.stop()
    }
  }).timeout(60_000)

  test('a free test charge (免费测试): no rider, no money, the order marked so, the reason audited', async ({
    assert,
  }) => {
    const setup = await ocppSetUp({ balance: 1000 })
    const host = setup.gateway()
    await host.start()
    try {
      const charger = await setup.connect(host)
      const browser = await staffBrowser(setup)
      await startOn(browser, setup.pile.id, 1, { payer: 'test', reason: '维修后测试端口' })
      const { command } = await chargeAtPile(setup, host, charger, 20)
      assert.equal(command, 'acked')
      await charger.charger.close()

      const [order] = await ordersOf(setup.pile.id)
      assert.deepInclude(order, {
        status: 'settled',
        free_test: true,
        rider_id: null,
        channel: 'staff',
        cap_fen: 0,
        amount_fen: 0,
        ledger_entry_id: null,
      })
      assert.equal(order.minutes, 20)
      assert.equal(await realBalance(setup.rider.id), 1000)
      const entries = await owner().from('ledger_entries').where('entry_no', order.order_no)
      assert.lengthOf(entries, 0)

      const [audit] = await startAudits(setup.tenant.id)
      assert.deepInclude(audit.after, { freeTest: true, reason: '维修后测试端口', capFen: 0 })
      const detail = await browser.props(`/orders/${order.id}`)
      assert.isTrue(detail.order.freeTest)
    } finally {
      await host.stop()
    }
  }).timeout(60_000)
})

test.group('Staff remote start: riders, permissions and refusals', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a rider found by a bound card number is the one who pays', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const browser = await staffBrowser(fixture)
    await startOn(browser, fixture.pile.id, 2, {
      payer: 'card',
      cardNo: fixture.cardNo.toLowerCase(),
      reason: '刷卡失灵',
    })
    const [order] = await ordersOf(fixture.pile.id)
    assert.deepInclude(order, { rider_id: fixture.rider.id, port_no: 2, channel: 'staff' })
    assert.equal(order.duration_type, 'full')
  })

  test('refused with a clear reason, changing nothing: offline pile, busy port, frozen rider, no balance, unknown rider, bad input', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const broke = await createRider(fixture.tenant.id)
    const frozen = await createRider(fixture.tenant.id, { status: 'frozen' })
    const unboundCard = freshCardNo()
    await stockCards(fixture.tenant.id, fixture.project.id, [unboundCard])
    const browser = await staffBrowser(fixture)
    const page = `/operations/piles/${fixture.pile.id}`
    const refusal = async (portNo: number, body: object) => {
      await startOn(browser, fixture.pile.id, portNo, body)
      const props = await browser.props(page)
      // A validation refusal: the fields it names (an unknown payer also fails the payer group, unnamed).
      return (
        props.flash.error ??
        Object.keys(props.errors ?? {})
          .filter(Boolean)
          .join(',')
      )
    }
    const reason = '测试'
    await owner()
      .from('pile_ports')
      .where({ pile_id: fixture.pile.id, port_no: 3 })
      .update({ state: 'charging' })

    assert.equal(await refusal(3, { payer: 'test', reason }), '端口正在使用中')
    assert.equal(
      await refusal(1, { payer: 'phone', phone: frozen.phone, reason }),
      '用户已冻结，不能充电'
    )
    assert.equal(await refusal(1, { payer: 'phone', phone: broke.phone, reason }), '余额不足')
    assert.equal(await refusal(1, { payer: 'phone', phone: '13900000000', reason }), '用户不存在')
    assert.equal(await refusal(1, { payer: 'card', cardNo: unboundCard, reason }), '用户不存在')
    assert.equal(await refusal(1, { payer: 'phone', phone: '12345', reason }), 'phone')
    assert.equal(await refusal(1, { payer: 'test', reason: '  ' }), 'reason')
    assert.equal(await refusal(1, { payer: 'nobody', reason }), 'payer')
    assert.equal(await refusal(1, { payer: 'test', reason, hours: 25 }), 'hours')
    assert.equal(await refusal(9, { payer: 'test', reason }), '端口不存在')
    await owner().from('piles').where('id', fixture.pile.id).update({ online: false })
    assert.equal(await refusal(1, { payer: 'test', reason }), '设备离线，无法启动')

    assert.lengthOf(await ordersOf(fixture.pile.id), 0)
    const commands = await owner().from('device_commands').where('pile_id', fixture.pile.id)
    assert.lengthOf(commands, 0)
    assert.lengthOf(await startAudits(fixture.tenant.id), 0)
    assert.equal(await realBalance(fixture.rider.id), 1000)
  })

  test('运维 may start (devices.command); 客服 without it gets 403; another tenant’s pile is 404', async ({
    assert,
  }) => {
    const maintenance = await chargingFixture({ roles: ['maintenance'] })
    const allowed = await startOn(await staffBrowser(maintenance), maintenance.pile.id, 1, {
      payer: 'test',
      reason: '巡检',
    })
    assert.equal(allowed.status, 302)
    assert.lengthOf(await ordersOf(maintenance.pile.id), 1)

    const support = await chargingFixture({ roles: ['support'] })
    const denied = await startOn(await staffBrowser(support), support.pile.id, 1, {
      payer: 'test',
      reason: '巡检',
    })
    assert.equal(denied.status, 403)
    assert.lengthOf(await ordersOf(support.pile.id), 0)

    const stranger = await startOn(await staffBrowser(maintenance), support.pile.id, 1, {
      payer: 'test',
      reason: '越权',
    })
    assert.equal(stranger.status, 404)
    assert.lengthOf(await ordersOf(support.pile.id), 0)
  })
})
