import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import mqtt, { type MqttClient } from 'mqtt'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import { testLogger } from '#sdk/testing/context'
import juy from '../index.js'
import { wireOrderNo } from '../mapping.js'
import { decodeDeviceMessage, type JuyDeviceMessage } from '../protocol/codec.js'
import { readDeviceMqttFrame, willTopic } from '../protocol/mqtt.js'
import { JuySimulator } from '../simulator.js'
import { GATEWAY, startMosquitto, type Mosquitto } from './mosquitto_broker.js'
import { SharedCore, TestDevice, waitFor } from './support.js'

/*
| Two gateways (adapters A and B) in external mode, members of one shared
| subscription on a real mosquitto, in front of one core (SharedCore, as
| PostgreSQL would be). mosquitto hands the group's messages out in turn,
| so a pile's consecutive messages alternate between A and B.
*/

const SIMULATED = Array.from({ length: 12 }, (_, index) => String(860_000_000_000_101 + index))
const HAND = ['861197062934387', '867924060525709', '864269051562236']
const PASSWORDS = Object.fromEntries(
  [...SIMULATED, ...HAND].map((imei) => [imei, `secret-${imei.slice(-6)}`])
)

/** Per kind of device message, the core calls it should make. */
type Tally = Record<'login' | 'heartbeat' | 'swipe' | 'startReply' | 'sample' | 'end', number>

function tallyOf(message: JuyDeviceMessage, tally: Tally) {
  if (message.type === 'login') tally.login++
  if (message.type === 'heartbeat') tally.heartbeat++
  if (message.type === 'card_auth') tally.swipe++
  if (message.type === 'start_reply') tally.startReply++
  if (message.type === 'port_data') tally.sample += message.ports.length
  if (message.type === 'end_report') tally.end++
}

function handledBy(core: SharedCore): Tally {
  return {
    login: core.total('pileOnline'),
    heartbeat: core.total('heartbeat'),
    swipe: core.total('cardSwiped'),
    startReply: core.total('chargeStarted') + core.total('chargeStartFailed'),
    sample: core.total('meterSample'),
    end: core.total('chargeEnded'),
  }
}

/** A client outside the group that sees every device message once: what the core should get. */
async function startSpy(url: string) {
  const seen: Tally = { login: 0, heartbeat: 0, swipe: 0, startReply: 0, sample: 0, end: 0 }
  const client: MqttClient = await mqtt.connectAsync(url, {
    ...GATEWAY,
    clientId: `spy-${randomBytes(4).toString('hex')}`,
  })
  let decoding = Promise.resolve()
  client.on('message', (topic, payload) => {
    const read = readDeviceMqttFrame(topic, payload)
    if (!read.ok) return
    decoding = decoding.then(async () => {
      const decoded = await decodeDeviceMessage(read.frame)
      if (decoded.ok) tallyOf(decoded.message, seen)
    })
  })
  await client.subscribeAsync('JUY/D2S/+/+/DEV', { qos: 1 })
  return { seen, close: () => client.endAsync() }
}

test.group('vendor-juy: two gateways sharing one mosquitto', (group) => {
  let mosquitto: Mosquitto
  let core: SharedCore
  let a: VendorAdapter
  let b: VendorAdapter
  let devices: TestDevice[] = []

  group.setup(async () => {
    mosquitto = await startMosquitto({ piles: PASSWORDS })
    return () => mosquitto.stop()
  })

  group.each.setup(async () => {
    core = new SharedCore()
    const gateway = async (name: string) => {
      // No sharedGroup: external mode shares in `pilehub` by default; the client id gets its own suffix.
      const config = await juy.validateConfig({
        mode: 'external',
        url: mosquitto.gatewayUrl,
        ...GATEWAY,
        commandTimeoutSeconds: 5,
      })
      const adapter = await juy.create(config, {
        tenantId: null,
        logger: testLogger(),
        publicUrl: 'http://localhost',
      })
      await adapter.start(core.sink(name))
      return adapter
    }
    a = await gateway('A')
    b = await gateway('B')
    devices = []
    return async () => {
      await Promise.all(devices.map((device) => device.close()))
      await a.stop()
      await b.stop()
    }
  })

  async function pile(imei: string, portCount = 2) {
    const device = await TestDevice.connect(mosquitto.url, imei, {
      password: PASSWORDS[imei],
      reconnectPeriod: 0,
    })
    devices.push(device)
    await device.login(portCount)
    return device
  }

  test('12 simulated piles charge through both: every message reaches the core once, commands from either are matched, each will is reported once', async ({
    assert,
  }) => {
    const spy = await startSpy(mosquitto.gatewayUrl)
    try {
      const running = new JuySimulator().run({
        endpoint: mosquitto.url,
        piles: SIMULATED.length,
        ports: 2,
        durationSeconds: 8,
        deviceKeys: SIMULATED,
        credentials: PASSWORDS,
        cardNos: ['0A0B0C01', '0A0B0C02'],
        speed: 600,
        seed: 11,
        logger: testLogger(),
      })
      await waitFor(() => SIMULATED.every((imei) => core.online.has(imei)), 15_000)
      // Each command waits for two replies (0x89, then 0x8A), which the broker gives to either gateway.
      const outcomes = await Promise.all(
        SIMULATED.map((imei, index) =>
          [a, b][index % 2].send(imei, {
            commandId: 100 + index,
            type: 'set_parameters',
            parameters: { volume: 3 },
          })
        )
      )
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        SIMULATED.map(() => 'acked')
      )
      const summary = await running
      assert.equal(summary.errors, 0)

      // Every device message the broker carried became its core call once: none lost, none twice.
      await waitFor(() => isDeepStrictEqual(handledBy(core), spy.seen), 15_000).catch(() => {})
      assert.deepEqual(handledBy(core), spy.seen)
      for (const gateway of ['A', 'B']) {
        assert.isAbove(core.count(gateway, 'heartbeat'), 0, `${gateway} handled no heartbeat`)
        assert.isAbove(core.count(gateway, 'meterSample'), 0, `${gateway} handled no sample`)
      }

      // Each command's outcome reported once, by the gateway that sent it.
      assert.sameDeepMembers(
        core.commandResults.map((result) => [result.commandId, result.status, result.gateway]),
        SIMULATED.map((_, index) => [100 + index, 'acked', index % 2 ? 'B' : 'A'])
      )

      // Every charge that ended settled once, its events found its order wherever they landed.
      const ended = core.orders.filter((order) => order.status === 'ended')
      assert.isAtLeast(summary.chargesEnded, 1)
      assert.isAtLeast(ended.length, summary.chargesEnded)
      for (const order of ended) assert.equal(order.settlements, 1, order.orderNo)
      assert.equal(
        core.ends.length,
        core.orders.reduce((sum, order) => sum + order.endedBy.length, 0),
        'an end report found no order'
      )
      assert.isTrue(
        ended.some((order) => order.endedBy.some((gateway) => gateway !== order.startedBy)),
        'no charge was started by one gateway and ended by the other'
      )

      // Switched off, each pile's will went to one gateway: offline once, and listed by neither.
      await waitFor(() => core.offline.length >= SIMULATED.length, 15_000)
      assert.sameMembers(
        core.offline.map((report) => report.deviceKey),
        SIMULATED
      )
      await waitFor(() => a.connected().length + b.connected().length === 0)
    } finally {
      await spy.close()
    }
  }).timeout(90_000)

  test('a start sent by A is matched by A, though the broker hands half the replies to B', async ({
    assert,
  }) => {
    const [imei] = HAND
    const device = await pile(imei, 4)
    const orderNos = [1, 2, 3, 4].map((port) => core.authorise(imei, port))
    const starts = orderNos.map((orderNo, index) =>
      a.send(imei, {
        commandId: index + 1,
        type: 'start',
        portNo: index + 1,
        orderNo,
        limit: { kind: 'full' },
        maxDurationSeconds: 3600,
        balanceFen: 1000,
      })
    )
    await waitFor(() => device.of('start').length === 4)
    for (const start of device.of('start')) {
      await device.send({
        type: 'start_reply',
        port: start.port,
        orderNo: start.orderNo,
        startMode: start.startMode,
        result: 0,
      })
    }
    const outcomes = await Promise.all(starts)
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['acked', 'acked', 'acked', 'acked']
    )
    assert.sameDeepMembers(
      core.commandResults.map((result) => [result.commandId, result.status, result.gateway]),
      [1, 2, 3, 4].map((id) => [id, 'acked', 'A'])
    )
    await waitFor(() => core.total('chargeStarted') === 4)
    assert.isAbove(core.count('B', 'chargeStarted'), 0, 'no reply reached B')
    assert.isAbove(core.count('A', 'chargeStarted'), 0, 'no reply reached A')
    // B knew none of these orders: the core found each by its port, and stored the wire number.
    for (const [index, orderNo] of orderNos.entries()) {
      const order = core.orders.find((each) => each.orderNo === orderNo)!
      assert.equal(order.status, 'charging')
      assert.equal(order.portNo, index + 1)
      assert.equal(order.transactionRef, String(wireOrderNo(orderNo)))
    }
  })

  test('a card charge whose messages alternate between the gateways settles once; a stop B sent ends as remote_stop wherever its end lands', async ({
    assert,
  }) => {
    const [, imei] = HAND
    const device = await pile(imei)
    await device.send({ type: 'card_auth', port: 1, cardNumber: 42, operation: 2 })
    await waitFor(() => device.of('start').length === 1)
    const [start] = device.of('start')
    await device.send({
      type: 'start_reply',
      port: 1,
      orderNo: start.orderNo,
      startMode: 2,
      result: 0,
    })
    for (const powerWatts of [180, 200]) {
      await device.send({
        type: 'port_data',
        voltageDecivolts: 2200,
        temperatureCelsius: 30,
        ports: [
          {
            port: 1,
            tier: 0,
            priceFen: 100,
            powerWatts,
            durationSeconds: 60,
            amountFen: 2,
            energyWattHours: 10,
            temperatureCelsius: 33,
          },
        ],
      })
    }
    const report = {
      type: 'end_report' as const,
      port: 1,
      orderNo: start.orderNo,
      durationSeconds: 600,
      energyWattHours: 30,
      amountFen: 17,
      stopReason: 0,
      stopPowerWatts: 20,
      cardNumber: 42,
      tiers: [{ durationSeconds: 600, priceFen: 100 }],
    }
    // The first report and two resends, each acked by whichever gateway has it.
    for (let sent = 1; sent <= 3; sent++) {
      await device.send(report)
      await waitFor(() => device.of('end_report_ack').length === sent)
    }
    const [order] = core.orders
    assert.equal(order.status, 'ended')
    assert.equal(order.settlements, 1)
    assert.lengthOf(order.endedBy, 3)
    assert.sameMembers([...new Set(order.endedBy)], ['A', 'B'])
    assert.equal(core.total('meterSample'), 2)
    for (const end of core.ends) {
      assert.deepInclude(end, { transactionRef: String(start.orderNo), stopReason: 'full' })
    }

    // A remote start by A on port 2, stopped by B: whoever gets the end knows B's stop.
    const orderNo = core.authorise(imei, 2)
    const starting = a.send(imei, {
      type: 'start',
      portNo: 2,
      orderNo,
      limit: { kind: 'full' },
      maxDurationSeconds: 3600,
    })
    await waitFor(() => device.of('start').length === 2)
    const remote = device.of('start')[1]
    await device.send({
      type: 'start_reply',
      port: 2,
      orderNo: remote.orderNo,
      startMode: 1,
      result: 0,
    })
    const started = await starting
    assert.equal(started.status, 'acked')
    const stopping = b.send(imei, { type: 'stop', portNo: 2, orderNo })
    await waitFor(() => device.of('stop').length === 1)
    await device.send({ type: 'stop_reply', port: 2, orderNo: remote.orderNo, result: 0 })
    const stopped = await stopping
    assert.equal(stopped.status, 'acked')
    const manual = { ...report, port: 2, orderNo: remote.orderNo, stopReason: 3 }
    for (let sent = 4; sent <= 5; sent++) {
      await device.send(manual)
      await waitFor(() => device.of('end_report_ack').length === sent)
    }
    const manualEnds = core.ends.filter((end) => end.transactionRef === String(remote.orderNo))
    assert.sameMembers(
      manualEnds.map((end) => end.gateway),
      ['A', 'B']
    )
    assert.deepEqual(
      manualEnds.map((end) => end.stopReason),
      ['remote_stop', 'remote_stop']
    )
    assert.equal(core.orders.find((each) => each.orderNo === orderNo)!.settlements, 1)
  })

  test('with B stopped, A takes every message and still commands the pile; a dropped pile is reported once', async ({
    assert,
  }) => {
    const [, , imei] = HAND
    const heartbeat = {
      type: 'heartbeat' as const,
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [0, 0],
    }
    const device = await TestDevice.connect(mosquitto.url, imei, {
      password: PASSWORDS[imei],
      reconnectPeriod: 0,
      will: { topic: willTopic(imei), payload: Buffer.alloc(0), qos: 1, retain: false },
    })
    devices.push(device)
    await device.login()
    for (let sent = 1; sent <= 3; sent++) await device.send(heartbeat)
    await waitFor(() => core.total('heartbeat') === 3)
    assert.isAbove(core.count('B', 'heartbeat'), 0)
    const byB = core.count('B', 'heartbeat')

    await b.stop()
    for (let sent = 1; sent <= 6; sent++) await device.send(heartbeat)
    await waitFor(() => core.total('heartbeat') === 9)
    assert.equal(core.count('B', 'heartbeat'), byB)
    assert.equal(core.count('A', 'heartbeat'), 9 - byB)

    const stopping = a.send(imei, { type: 'stop', portNo: 1 })
    await waitFor(() => device.of('stop').length === 1)
    await device.send({ type: 'stop_reply', port: 1, orderNo: 0, result: 1 })
    assert.deepEqual(await stopping, { status: 'acked', detail: 'already_idle' })

    // Power lost: no DISCONNECT, so mosquitto publishes the pile's will.
    device.client.end(true)
    await waitFor(() => core.offline.length === 1)
    assert.deepEqual(core.offline, [{ gateway: 'A', deviceKey: imei }])
    assert.deepEqual(a.connected(), [])
  })
})
