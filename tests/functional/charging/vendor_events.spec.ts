import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import GatewayHost from '#services/operations/gateway/gateway_host'
import { TestDevice, waitFor } from '../../../plugins/vendor-juy/tests/support.js'
import { allowUnauthenticated, deviceRegistry } from '#tests/functional/devices/helpers'
import { ocppSetUp } from './ocpp_gateway.js'
import {
  charging,
  chargingFixture,
  owner,
  realBalance,
  settlementsOf,
  startSeen,
} from './helpers.js'

/*
| The vendor contract's later events through the real gateway: an OCPP
| charger driven frame by frame (so each step is the one under test) talks
| to the vendor-ocpp16 adapter run by a GatewayHost, whose sink reaches the
| real charging service, device commands and ledger. Committed state is read
| through the owner connection, so no global transaction here.
*/

let sequence = 0

const ordersOf = (pileId: number) =>
  owner().from('charging_orders').where('pile_id', pileId).orderBy('id')

test.group('vendor events through the gateway: OCPP', () => {
  test('Authorize names no port: StartTransaction on connector 2 gives the one order port 2; a restart later, meterStop bills the energy once', async ({
    assert,
  }) => {
    const setup = await ocppSetUp()
    let host = setup.gateway()
    await host.start()
    try {
      let { charger, call } = await setup.connect(host)
      const authorised = await call('Authorize', { idTag: setup.cardNo })
      assert.equal(authorised.idTagInfo.status, 'Accepted')
      const [waiting] = await ordersOf(setup.pile.id)
      assert.equal(waiting.status, 'authorised')
      assert.isNull(waiting.port_no)

      const started = await call('StartTransaction', {
        connectorId: 2,
        idTag: setup.cardNo,
        meterStart: 12_000,
        timestamp: new Date(Date.now() - 60 * 60_000).toISOString(),
      })
      assert.equal(started.idTagInfo.status, 'Accepted')
      const orders = await ordersOf(setup.pile.id)
      assert.lengthOf(orders, 1)
      assert.equal(orders[0].order_no, waiting.order_no)
      assert.equal(orders[0].port_no, 2)
      assert.equal(orders[0].status, 'charging')
      assert.equal(orders[0].meter_start_wh, 12_000)
      // The hour the charger's timestamps tell, as the platform would have watched it.
      await startSeen(orders[0].order_no, 60 * 60)

      // The gateway restarts mid-charge: the new adapter knows nothing of the transaction.
      await charger.close()
      await host.stop()
      host = setup.gateway()
      await host.start()
      ;({ charger, call } = await setup.connect(host))
      const stop = {
        transactionId: started.transactionId,
        meterStop: 12_450,
        timestamp: new Date().toISOString(),
        reason: 'EVDisconnected',
      }
      await call('StopTransaction', stop)
      // The charger did not hear our answer and sends it again.
      await call('StopTransaction', stop)
      await charger.close()

      const [ended] = await ordersOf(setup.pile.id)
      assert.equal(ended.status, 'settled')
      assert.equal(ended.port_no, 2)
      assert.equal(ended.energy_wh, 450)
      const settlements = await settlementsOf(ended.order_no)
      assert.lengthOf(settlements, 1)
      assert.equal(await realBalance(setup.rider.id), 100_000 - ended.amount_fen)
    } finally {
      await host.stop()
    }
  }).timeout(60_000)

  test('a remote start the charger rejects closes the order at once with the reason; the command shows the pile refused', async ({
    assert,
  }) => {
    const setup = await ocppSetUp()
    const host = setup.gateway()
    await host.start()
    try {
      const { charger } = await setup.connect(host)
      const { orderNo, commandId } = await charging.remote.startRemote(setup.asAdmin, {
        pileId: setup.pile.id,
        portNo: 1,
        riderId: setup.rider.id,
        durationType: { kind: 'hours', hours: 2 },
        channel: 'staff',
      })
      const sending = host.sendCommand(commandId)
      const request = await charger.next()
      assert.equal(request[2], 'RemoteStartTransaction')
      assert.equal(request[3].connectorId, 1)
      charger.sendRaw(JSON.stringify([3, request[1], { status: 'Rejected' }]))
      assert.equal(await sending, 'failed')
      await charger.close()

      const order = await owner().from('charging_orders').where('order_no', orderNo).first()
      assert.equal(order.status, 'cancelled')
      assert.equal(order.cancel_reason, 'start_failed_rejected')
      const command = await owner().from('device_commands').where('id', commandId).first()
      assert.equal(command.status, 'failed')
      assert.equal(command.result.detail, 'Rejected')
      assert.isNotNull(command.finished_at)
      assert.lengthOf(await settlementsOf(orderNo), 0)
      assert.equal(await realBalance(setup.rider.id), 100_000)
    } finally {
      await host.stop()
    }
  }).timeout(60_000)
})

test.group('vendor events through the gateway: JUY', () => {
  test('gateway restarted between start and end: the end still settles the right order, once', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 100_000 })
    const devices = deviceRegistry(fixture.asAdmin)
    const vendor = await devices.vendors.create({ name: 'JUY 厂商', pluginId: 'vendor-juy' })
    const imei = `86${String(Date.now()).slice(-9)}${String((process.pid % 100) * 100 + ++sequence).padStart(4, '0')}`
    const pile = await devices.piles.create({
      stationId: fixture.station.id,
      vendorId: vendor.id,
      deviceKey: imei,
      name: 'JUY 桩',
      portCount: 2,
    })
    await allowUnauthenticated(pile.id)
    const registry = await app.container.make('plugins')
    const gateway = () =>
      new GatewayHost(
        registry,
        {
          plugins: ['vendor-juy'],
          settings: { 'vendor-juy': { mode: 'embedded', host: '127.0.0.1', port: 0 } },
        },
        logger
      )
    let host = gateway()
    await host.start()
    let device: TestDevice | null = null
    try {
      device = await TestDevice.connect(host.adapter('vendor-juy')!.endpoint(), imei)
      await device.login()
      const cardNumber = Number.parseInt(fixture.cardNo, 16)
      await device.send({ type: 'card_auth', port: 1, cardNumber, operation: 2 })
      await waitFor(() => device!.of('start').length === 1)
      const start = device.of('start')[0]
      await device.send({
        type: 'start_reply',
        port: 1,
        orderNo: start.orderNo,
        startMode: 2,
        result: 0,
      })
      let orders = await ordersOf(pile.id)
      for (let tries = 0; orders[0]?.status !== 'charging' && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        orders = await ordersOf(pile.id)
      }
      assert.lengthOf(orders, 1)
      assert.equal(orders[0].transaction_ref, String(start.orderNo))
      // The half hour the end record tells, as the platform would have watched it.
      await startSeen(orders[0].order_no, 30 * 60)

      // A new gateway process: the adapter's memory of wire number → order is gone.
      await device.close()
      await host.stop()
      host = gateway()
      await host.start()
      device = await TestDevice.connect(host.adapter('vendor-juy')!.endpoint(), imei)
      await device.login()
      const end = {
        type: 'end_report' as const,
        port: 1,
        orderNo: start.orderNo,
        durationSeconds: 1800,
        energyWattHours: 120,
        amountFen: 0,
        stopReason: 0,
        stopPowerWatts: 0,
        cardNumber,
        tiers: [],
      }
      for (let sent = 1; sent <= 3; sent++) {
        await device.send(end)
        await waitFor(() => device!.of('end_report_ack').length === sent, 10_000)
      }

      orders = await ordersOf(pile.id)
      assert.lengthOf(orders, 1)
      assert.equal(orders[0].status, 'settled')
      assert.equal(orders[0].energy_wh, 120)
      assert.equal(orders[0].duration_seconds, 1800)
      assert.lengthOf(await settlementsOf(orders[0].order_no), 1)
      assert.equal(await realBalance(fixture.rider.id), 100_000 - orders[0].amount_fen)
      assert.isAbove(orders[0].amount_fen, 0)
    } finally {
      await device?.close()
      await host.stop()
    }
  }).timeout(60_000)
})
