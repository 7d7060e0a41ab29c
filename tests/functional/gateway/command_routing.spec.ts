import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import type { GatewayRouting } from '#config/gateway'
import DeviceEventService from '#services/operations/device_event_service'
import GatewayHost from '#services/operations/gateway/gateway_host'
import GatewaySink from '#services/operations/gateway/gateway_sink'
import { RawCharger } from '../../../plugins/vendor-ocpp16/tests/helpers.js'
import { GATEWAY, startMosquitto } from '../../../plugins/vendor-juy/tests/mosquitto_broker.js'
import { TestDevice, waitFor } from '../../../plugins/vendor-juy/tests/support.js'
import { charging, chargingFixture, owner } from '#tests/functional/charging/helpers'
import {
  allowUnauthenticated,
  deviceRegistry,
  giveCredentials,
} from '#tests/functional/devices/helpers'
import { eventually } from '#tests/functional/payments/helpers'

/*
| Two gateways in one process, each a GatewayHost with routing: its own
| listeners on free ports, its own row and leases, claiming commands from
| PostgreSQL. Piles reach them through real protocol frames (the DNY
| simulator, a raw OCPP charger). Commands are requested through the
| services, as staff request them, so they travel by NOTIFY and claim.
| Committed state, read through the owner connection: no global transaction.
*/

/** Fast beats so that the tests wait little; the defaults are in config/gateway.ts. */
const FAST: GatewayRouting = {
  heartbeatMs: 200,
  deadAfterMs: 1_500,
  claimPollMs: 200,
  commandWaitMs: 20_000,
}

const LISTEN: Record<string, Record<string, unknown>> = {
  'vendor-dny': { host: '127.0.0.1', port: 0 },
  'vendor-ocpp16': { host: '127.0.0.1', port: 0 },
}

const running: GatewayHost[] = []

async function gateway(
  pluginId: string,
  routing: GatewayRouting = FAST,
  settings: Record<string, unknown> = LISTEN[pluginId]
) {
  const registry = await app.container.make('plugins')
  const host = new GatewayHost(
    registry,
    { plugins: [pluginId], settings: { [pluginId]: settings }, routing },
    logger
  )
  await host.start()
  running.push(host)
  return host
}

async function stopAll() {
  for (const host of running.splice(0)) await host.stop()
}

const leaseOf = (pluginId: string, deviceKey: string) =>
  owner()
    .from('pile_leases')
    .where({ plugin_id: pluginId, device_key: deviceKey })
    .first()
    .then((lease) => (lease?.gateway_id as string | undefined) ?? null)

const commandRow = (id: number) => owner().from('device_commands').where('id', id).first()

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let sequence = 0

/** A registered OCPP pile of a charging fixture, and a raw charger speaking for it. */
async function ocppPile() {
  const fixture = await chargingFixture({ balance: 100_000 })
  const devices = deviceRegistry(fixture.asAdmin)
  const vendor = await devices.vendors.create({ name: 'OCPP 厂商', pluginId: 'vendor-ocpp16' })
  const deviceKey = `RT-${process.pid}-${++sequence}`
  const pile = await devices.piles.create({
    stationId: fixture.station.id,
    vendorId: vendor.id,
    deviceKey,
    name: 'OCPP 桩',
    portCount: 2,
  })
  // Routing is under test here, not identity: the raw charger presents no key.
  await allowUnauthenticated(pile.id)
  let calls = 0
  /**
   * A charger's connection to a gateway: BootNotification (a fresh boot) or
   * both connectors' status (a reconnect). A command the gateway sends while
   * the charger waits for an answer is kept for `command()`.
   */
  const connect = async (host: GatewayHost, options: { boot: boolean }) => {
    const charger = await RawCharger.connect(
      `${host.adapter('vendor-ocpp16')!.endpoint()}/${deviceKey}`
    )
    const commands: any[][] = []
    const call = async (action: string, payload: Record<string, unknown>) => {
      const id = `c${++calls}`
      charger.sendRaw(JSON.stringify([2, id, action, payload]))
      for (;;) {
        const frame = await charger.next(10_000)
        if (frame[0] === 2) {
          commands.push(frame)
          continue
        }
        if (frame[0] !== 3 || frame[1] !== id) {
          throw new Error(`${action} answered ${JSON.stringify(frame)}`)
        }
        return frame[2]
      }
    }
    /** The next command the gateway sends the charger. */
    const command = async () => commands.shift() ?? (await charger.next(15_000))
    if (options.boot) {
      await call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Raw' })
    } else {
      for (const connectorId of [1, 2]) {
        await call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Available' })
      }
    }
    return { charger, call, command }
  }
  return { ...fixture, devices, pile, deviceKey, connect }
}

/** Two gateways running one plugin, as behind the balancer. */
async function twoGateways(pluginId: string, settings: Record<string, unknown> = LISTEN[pluginId]) {
  return { a: await gateway(pluginId, FAST, settings), b: await gateway(pluginId, FAST, settings) }
}

/** Waits until the pile's lease is the gateway's (null: nobody's). */
const leasedTo = (pluginId: string, deviceKey: string, host: GatewayHost | null, what: string) =>
  until(async () => (await leaseOf(pluginId, deviceKey)) === (host?.leases!.id ?? null), what)

/** An OCPP pile booted on gateway A while B also runs: the lease is A's. */
async function ocppPileOnA() {
  const setup = await ocppPile()
  const { a, b } = await twoGateways('vendor-ocpp16')
  const first = await setup.connect(a, { boot: true })
  await leasedTo('vendor-ocpp16', setup.deviceKey, a, 'the pile leased to A')
  return { ...setup, a, b, first }
}

test.group('command routing among gateways', (group) => {
  group.each.teardown(stopAll)

  test('a command for a pile connected to gateway B, issued while A also runs, reaches the pile through B', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 100_000 })
    const devices = deviceRegistry(fixture.asAdmin)
    const credential = await giveCredentials('vendor-dny', fixture.pile.id)
    const { a, b } = await twoGateways('vendor-dny')
    const registry = await app.container.make('plugins')
    const simulator = await registry.get('vendor-dny')!.simulator!()
    const simulation = simulator.run({
      endpoint: b.adapter('vendor-dny')!.endpoint(),
      piles: 1,
      ports: 2,
      durationSeconds: 6,
      deviceKeys: [fixture.deviceKey],
      credentials: { [fixture.deviceKey]: credential },
      cardNos: [fixture.cardNo],
      speed: 600,
      seed: 5,
      logger,
    })
    try {
      await leasedTo('vendor-dny', fixture.deviceKey, b, 'the pile leased to B')
      const command = await devices.commands.request(fixture.pile.id, {
        command: 'stop',
        portNo: 2,
      })
      const row = await eventually(
        () => commandRow(command.id),
        (current) => !['pending', 'sent'].includes(current.status)
      )
      assert.equal(row.claimed_by, b.leases!.id)
      // The pile's own answer (a stop it took, or one it refused): not a gateway's failure.
      assert.oneOf(row.status, ['acked', 'failed'], JSON.stringify(row.result))
      assert.notInclude(['not_connected', 'plugin_not_running'], row.result?.detail)
      assert.notInclude(a.adapter('vendor-dny')!.connected(), fixture.deviceKey)
    } finally {
      await simulation
    }
  }).timeout(60_000)

  test('a pile that moves from A to B: the lease moves, A forgets it, its disconnect at A neither takes it offline nor ends its order, a stop of its charge goes to B', async ({
    assert,
  }) => {
    const { a, b, first, ...setup } = await ocppPileOnA()
    await first.call('Authorize', { idTag: setup.cardNo })
    const started = await first.call('StartTransaction', {
      connectorId: 1,
      idTag: setup.cardNo,
      meterStart: 1_000,
      timestamp: new Date().toISOString(),
    })
    assert.equal(started.idTagInfo.status, 'Accepted')
    const order = await owner().from('charging_orders').where('pile_id', setup.pile.id).first()
    assert.equal(order.status, 'charging')

    // The charger's link to A breaks half-open; it reconnects through the balancer to B.
    const second = await setup.connect(b, { boot: false })
    await leasedTo('vendor-ocpp16', setup.deviceKey, b, 'the lease moved to B')
    await until(
      () => !a.adapter('vendor-ocpp16')!.connected().includes(setup.deviceKey),
      'A forgot the pile'
    )
    // A dropped its stale connection.
    await first.charger.closed()

    // A disconnect A reports late (an adapter that noticed the drop only now) changes nothing.
    await new GatewaySink('vendor-ocpp16', new DeviceEventService(), a.leases).pileOffline(
      setup.deviceKey
    )
    const pile = await owner().from('piles').where('id', setup.pile.id).first()
    assert.isTrue(pile.online)
    const still = await owner().from('charging_orders').where('id', order.id).first()
    assert.equal(still.status, 'charging')
    assert.equal(await leaseOf('vendor-ocpp16', setup.deviceKey), b.leases!.id)

    // Staff stop the charge: B, which never saw it start, stops it by the id the core stored.
    const { commandId } = await charging.remote.stopRemote(setup.asAdmin, {
      orderNo: order.order_no,
      reason: 'staff',
    })
    const stop = await second.command()
    assert.equal(stop[2], 'RemoteStopTransaction')
    assert.equal(stop[3].transactionId, started.transactionId)
    second.charger.sendRaw(JSON.stringify([3, stop[1], { status: 'Accepted' }]))
    const row = await eventually(
      () => commandRow(commandId),
      (current) => current.status === 'acked'
    )
    assert.equal(row.status, 'acked')
    assert.equal(row.claimed_by, b.leases!.id)
    await second.charger.close()
  }).timeout(60_000)

  test('a command for a pile between gateways waits for it and is delivered when it reconnects; one nobody can deliver within the wait fails not_connected', async ({
    assert,
  }) => {
    const { b, first, ...setup } = await ocppPileOnA()
    await first.charger.close()
    await leasedTo('vendor-ocpp16', setup.deviceKey, null, 'the lease released at the disconnect')

    const waiting = await setup.devices.commands.request(setup.pile.id, { command: 'reboot' })
    const queued = await commandRow(waiting.id)
    // No gateway holds the pile: nobody claims it.
    assert.equal(queued.status, 'pending')
    const second = await setup.connect(b, { boot: true })
    const reset = await second.command()
    assert.equal(reset[2], 'Reset')
    second.charger.sendRaw(JSON.stringify([3, reset[1], { status: 'Accepted' }]))
    const delivered = await eventually(
      () => commandRow(waiting.id),
      (current) => current.status === 'acked'
    )
    assert.equal(delivered.status, 'acked')
    assert.equal(delivered.claimed_by, b.leases!.id)
    await second.charger.close()
    await leasedTo('vendor-ocpp16', setup.deviceKey, null, 'the lease released again')
    await stopAll()

    // A gateway that waits only briefly: the pile does not come back in time.
    await gateway('vendor-ocpp16', { ...FAST, commandWaitMs: 500 })
    const unreached = await setup.devices.commands.request(setup.pile.id, { command: 'reboot' })
    const failed = await eventually(
      () => commandRow(unreached.id),
      (current) => current.status !== 'pending'
    )
    assert.equal(failed.status, 'failed')
    assert.equal(failed.result.detail, 'not_connected')
    assert.isNull(failed.claimed_by)
  }).timeout(60_000)

  test('a gateway that dies without a clean stop loses its leases once its heartbeat is older than the stated time', async ({
    assert,
  }) => {
    const { a, b, first, ...setup } = await ocppPileOnA()
    // A hangs: no more beats, and no clean stop that would remove its row.
    await a.leases!.halt()
    await leasedTo('vendor-ocpp16', setup.deviceKey, null, 'the dead gateway lease removed')
    const rows = await owner().from('gateway_instances').whereIn('id', [a.leases!.id, b.leases!.id])
    assert.deepEqual(
      rows.map((row) => row.id),
      [b.leases!.id]
    )
    await first.charger.close()
  }).timeout(60_000)

  test("a dead gateway's claimed commands: once another gateway reaps it, its pending one is sent by the gateway holding the pile, its sent one times out as gateway_lost and is not sent again", async ({
    assert,
  }) => {
    const setup = await ocppPile()
    // A gateway SIGKILLed mid-way: its row, and commands it had claimed, one not sent yet.
    const dead = `dead-${process.pid}-${++sequence}`
    await owner().table('gateway_instances').insert({
      id: dead,
      host: 'gone',
      pid: 1,
      started_at: new Date(),
      beat_at: new Date(),
    })
    const unsent = await setup.devices.commands.request(setup.pile.id, { command: 'reboot' })
    const inFlight = await setup.devices.commands.request(setup.pile.id, { command: 'reboot' })
    await owner().from('device_commands').where('id', unsent.id).update({ claimed_by: dead })
    await owner()
      .from('device_commands')
      .where('id', inFlight.id)
      .update({ status: 'sent', claimed_by: dead, sent_at: new Date() })
    // Its last beat is older than the dead-after time.
    await owner()
      .from('gateway_instances')
      .where('id', dead)
      .update({ beat_at: new Date(Date.now() - 10 * FAST.deadAfterMs) })

    // Another gateway beats and reaps it; the pile is not connected anywhere yet.
    const live = await gateway('vendor-ocpp16')
    await until(
      async () => !(await owner().from('gateway_instances').where('id', dead).first()),
      'the dead gateway reaped'
    )
    const released = await commandRow(unsent.id)
    assert.equal(released.status, 'pending')
    assert.isNull(released.claimed_by)
    const lost = await commandRow(inFlight.id)
    assert.equal(lost.status, 'timeout')
    assert.deepEqual(lost.result, { detail: 'gateway_lost' })
    assert.isNotNull(lost.finished_at)

    // The pile reaches the live gateway: the released command goes to it, the lost one stays settled.
    const charger = await setup.connect(live, { boot: true })
    const reset = await charger.command()
    assert.equal(reset[2], 'Reset')
    charger.charger.sendRaw(JSON.stringify([3, reset[1], { status: 'Accepted' }]))
    const delivered = await eventually(
      () => commandRow(unsent.id),
      (current) => current.status === 'acked'
    )
    assert.equal(delivered.claimed_by, live.leases!.id)
    const after = await commandRow(inFlight.id)
    assert.equal(after.status, 'timeout')
    assert.equal(after.claimed_by, dead)
    await charger.charger.close()
  }).timeout(60_000)

  test('a command whose sending throws at the gateway is settled as a timeout (send_error), not left sent', async ({
    assert,
  }) => {
    const setup = await ocppPile()
    const host = await gateway('vendor-ocpp16')
    const charger = await setup.connect(host, { boot: true })
    await leasedTo('vendor-ocpp16', setup.deviceKey, host, 'the pile leased to the gateway')
    // An adapter that fails mid-send (a bug, a broken socket write) reports no outcome.
    host.adapter('vendor-ocpp16')!.send = async () => {
      throw new Error('send blew up')
    }

    const command = await setup.devices.commands.request(setup.pile.id, { command: 'reboot' })
    const row = await eventually(
      () => commandRow(command.id),
      (current) => !['pending', 'sent'].includes(current.status)
    )
    assert.equal(row.status, 'timeout')
    assert.deepEqual(row.result, { detail: 'send_error' })
    assert.equal(row.claimed_by, host.leases!.id)
    await charger.charger.close()
  }).timeout(60_000)

  test('JUY piles on a shared broker are leased to no gateway: either gateway claims their commands and publishes them to the pile', async ({
    assert,
  }) => {
    const mosquitto = await startMosquitto({ open: true })
    let device: TestDevice | null = null
    try {
      const fixture = await chargingFixture()
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
      const external = { mode: 'external', url: mosquitto.gatewayUrl, ...GATEWAY }
      const { a, b } = await twoGateways('vendor-juy', external)
      device = await TestDevice.connect(mosquitto.url, imei)
      await device.login()
      await until(async () => {
        const row = await owner().from('piles').where('id', pile.id).first()
        return row.online === true
      }, 'the pile online')
      assert.isNull(await leaseOf('vendor-juy', imei))

      const command = await devices.commands.request(pile.id, { command: 'stop', portNo: 1 })
      await waitFor(() => device!.of('stop').length === 1, 15_000)
      const [stop] = device.of('stop')
      await device.send({ type: 'stop_reply', port: 1, orderNo: stop.orderNo, result: 0 })
      const row = await eventually(
        () => commandRow(command.id),
        (current) => current.status === 'acked'
      )
      assert.equal(row.status, 'acked')
      assert.oneOf(row.claimed_by, [a.leases!.id, b.leases!.id])
    } finally {
      await device?.close()
      await stopAll()
      await mosquitto.stop()
    }
  }).timeout(60_000)
})
