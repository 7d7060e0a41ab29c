import { test } from '@japa/runner'
import { testLogger } from '#sdk/testing/context'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import vendorDny from '../index.js'
import { encodeDnyFrame } from '../protocol/frame.js'
import { heartbeat, RawPile, register } from './raw_pile.js'
import { RecordingSink } from './recording_sink.js'

const logger = testLogger()

const PILE = 0x04ceaa40
const KEY = '04CEAA40'
/** Our order number "T000000000000042" as it travels: 16 ASCII bytes. */
const ORDER = 'T000000000000042'
const ORDER_WIRE = Buffer.from(ORDER, 'ascii').toString('hex').toUpperCase()

async function startAdapter(overrides: Record<string, unknown> = {}) {
  const config = await vendorDny.validateConfig({
    host: '127.0.0.1',
    port: 0,
    commandGapMs: 20,
    ackTimeoutMs: 1000,
    ...overrides,
  })
  const adapter: VendorAdapter = await vendorDny.create(config, {
    tenantId: null,
    logger,
    publicUrl: 'http://localhost',
  })
  const sink = new RecordingSink()
  await adapter.start(sink)
  return { adapter, sink }
}

/** A dual-socket pile that has registered and had its register acked. */
async function registeredPile(adapter: VendorAdapter) {
  const pile = await RawPile.connect(adapter.endpoint(), PILE)
  pile.write('89860439101880123456')
  pile.send(register(2))
  await pile.until(() => pile.of('register_ack').length === 1)
  return pile
}

function settlement(stopReason = 0x01) {
  return {
    type: 'settlement' as const,
    durationSeconds: 3600,
    maxPowerDeciwatts: 2500,
    energyCentiKwh: 31,
    port: 2,
    startMode: 1 as const,
    cardUid: 'D1100001',
    stopReason,
    orderNo: ORDER_WIRE,
  }
}

test.group('vendor-dny adapter', (group) => {
  let adapter: VendorAdapter
  let sink: RecordingSink
  const piles: RawPile[] = []

  group.each.teardown(async () => {
    for (const pile of piles.splice(0)) pile.close()
    await adapter.stop()
  })

  async function connectPile() {
    const pile = await registeredPile(adapter)
    piles.push(pile)
    return pile
  }

  test('frames split byte by byte and merged in one chunk are all answered', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    const pile = await RawPile.connect(adapter.endpoint(), PILE)
    piles.push(pile)
    const merged = Buffer.concat([
      Buffer.from('89860439101880123456link'),
      pile.frame(register(2)),
      pile.frame(heartbeat([0, 1])),
      pile.frame({ type: 'time_request' }),
    ])
    for (const byte of merged.subarray(0, 40)) {
      pile.write(Buffer.from([byte]))
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    pile.write(merged.subarray(40))
    await pile.until(() => pile.of('time').length === 1)

    assert.deepEqual(
      pile.received.map((entry) => [entry.message.type, entry.messageId]),
      [
        ['register_ack', 1],
        ['heartbeat_ack', 2],
        ['time', 3],
      ]
    )
    const online = sink.of('pileOnline')[0].report
    assert.equal(online.deviceKey, KEY)
    assert.equal(online.iccid, '89860439101880123456')
    assert.equal(online.firmware, 'V1.23')
    assert.equal(online.portCount, 2)
    assert.deepEqual(sink.of('heartbeat')[0].report.ports, [
      { portNo: 1, state: 'idle' },
      { portNo: 2, state: 'charging' },
    ])
    assert.deepEqual(adapter.connected(), [KEY])
  })

  test('malformed, truncated, oversized and unknown frames mid-stream keep the connection', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter())
    const pile = await connectPile()
    const corrupt = pile.frame(heartbeat([0, 0]))
    corrupt[corrupt.length - 1] ^= 0xff
    const oversized = Buffer.from('444E59FFFF', 'hex')
    // A whole, checksummed frame whose heartbeat body stops after the voltage.
    const truncated = encodeDnyFrame({
      physicalId: PILE,
      messageId: 90,
      command: 0x21,
      data: Buffer.from([0x98]),
    })
    const unknown = encodeDnyFrame({
      physicalId: PILE,
      messageId: 91,
      command: 0x55,
      data: Buffer.alloc(3),
    })
    // Port 9 on a 2-port pile: valid bytes, invalid value.
    const invalid = pile.frame({ ...settlement(), port: 9 })
    pile.write(
      Buffer.concat([
        Buffer.from('\x00\xffgarbage'),
        corrupt,
        oversized,
        truncated,
        unknown,
        invalid,
      ])
    )
    pile.send(heartbeat([0, 2]), 77)
    await pile.until(() => pile.of('heartbeat_ack').some((entry) => entry.messageId === 77))

    assert.isFalse(pile.closed)
    assert.lengthOf(pile.of('heartbeat_ack'), 1)
    assert.lengthOf(sink.of('chargeEnded'), 0)
    assert.deepEqual(adapter.connected(), [KEY])
  })

  test('a settlement resent 5 times is acked every time, the core asked each time', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter())
    let pile = await connectPile()
    for (let resend = 0; resend < 3; resend++) pile.send(settlement(), 500)
    await pile.until(() => pile.of('settlement_ack').length === 3)
    // The pile's ack went missing; it dials in again and resends from its EEPROM.
    pile.close()
    await sink.until(() => sink.of('pileOffline').length === 1)
    pile = await connectPile()
    for (let resend = 0; resend < 2; resend++) pile.send(settlement(), 500)
    await pile.until(() => pile.of('settlement_ack').length === 2)

    const ended = sink.of('chargeEnded').map(({ event }) => event)
    // No memory in the adapter: the core (idempotent) answers every copy.
    assert.lengthOf(ended, 5)
    for (const event of ended) {
      assert.equal(event.orderNo, ORDER)
      assert.equal(event.deviceKey, KEY)
      assert.equal(event.portNo, 2)
      assert.equal(event.durationSeconds, 3600)
      assert.equal(event.energyWattHours, 310)
      assert.equal(event.maxPowerDeciwatts, 2500)
      assert.equal(event.stopReason, 'full')
      assert.equal(event.rawStopCode, '0x01')
    }
    assert.isTrue(pile.of('settlement_ack').every((entry) => entry.message.result === 0))
  })

  test('a settlement is not acked while the core fails to take it', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    const pile = await connectPile()
    const chargeEnded = sink.chargeEnded.bind(sink)
    let failures = 1
    sink.chargeEnded = async (event) => {
      if (failures-- > 0) throw new Error('database down')
      return chargeEnded(event)
    }
    pile.send(settlement(0x05), 600)
    pile.send(heartbeat([0, 0]), 601)
    await pile.until(() => pile.of('heartbeat_ack').length === 1)
    assert.lengthOf(pile.of('settlement_ack'), 0)

    pile.send(settlement(0x05), 600)
    await pile.until(() => pile.of('settlement_ack').length === 1)
    assert.equal(sink.of('chargeEnded')[0].event.stopReason, 'unplugged')
  })

  test('a card swipe is answered, then started with our order number', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    sink.refusedCards.set('D1100009', 'frozen')
    const pile = await connectPile()
    const swipe = { type: 'card_swipe' as const, cardType: 1 as const, port: 2, cardBalanceFen: 0 }
    pile.send({ ...swipe, cardUid: 'D1100009' })
    pile.send({ ...swipe, cardUid: 'D1100001' })
    await pile.until(() => pile.of('charge_control').length === 1)

    const replies = pile.of('card_reply').map((entry) => entry.message)
    assert.deepEqual(
      replies.map((reply) => [reply.cardUid, reply.accountStatus, reply.balanceFen]),
      [
        ['D1100009', 0x0b, 0],
        ['D1100001', 0, 5000],
      ]
    )
    const start = pile.of('charge_control')[0]
    assert.equal(start.message.action, 'start')
    assert.equal(start.message.port, 2)
    assert.equal(start.message.durationSeconds, 0)
    assert.equal(Buffer.from(start.message.orderNo, 'hex').toString('ascii'), 'T000000000000001')

    pile.send(
      { type: 'charge_control_reply', result: 0, orderNo: start.message.orderNo, port: 2 },
      start.messageId
    )
    pile.send({
      type: 'port_power',
      port: 2,
      portStatus: 1,
      durationSeconds: 300,
      energyCentiKwh: 2,
      startMode: 1,
      powerDeciwatts: 2400,
      maxPowerDeciwatts: 2500,
      minPowerDeciwatts: 1200,
      averagePowerDeciwatts: 2300,
      orderNo: start.message.orderNo,
    })
    await sink.until(() => sink.of('meterSample').length === 1)
    assert.deepEqual(
      sink.of('chargeStarted').map((event) => [event.portNo, event.orderNo]),
      [[2, 'T000000000000001']]
    )
    assert.equal(sink.of('meterSample')[0].orderNo, 'T000000000000001')
  })

  test('a refused pile stays connected but its swipes start nothing', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    sink.refusedPiles.add(KEY)
    const pile = await connectPile()
    pile.send({ type: 'card_swipe', cardUid: 'D1100001', cardType: 1, port: 1, cardBalanceFen: 0 })
    await pile.until(() => pile.of('card_reply').length === 1)
    pile.send(settlement(), 700)
    pile.send(heartbeat([0, 0]), 701)
    await pile.until(() => pile.of('heartbeat_ack').length === 1)

    assert.equal(pile.of('card_reply')[0].message.accountStatus, 0x0c)
    assert.lengthOf(sink.of('cardSwiped'), 0)
    assert.lengthOf(pile.of('charge_control'), 0)
    assert.lengthOf(pile.of('settlement_ack'), 0)
    assert.isFalse(pile.closed)
  })

  test('commands keep the gap and are resent once before a timeout', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter({ commandGapMs: 150, ackTimeoutMs: 400 }))
    const pile = await connectPile()
    const reboot = adapter.send(KEY, { type: 'reboot' })
    const stop = adapter.send(KEY, { type: 'stop', portNo: 1, orderNo: ORDER })
    await pile.until(() => pile.of('charge_control').length === 1)
    const stopFrame = pile.of('charge_control')[0]
    pile.send(
      { type: 'charge_control_reply', result: 0, orderNo: stopFrame.message.orderNo, port: 1 },
      stopFrame.messageId
    )

    assert.deepEqual(await stop, {
      status: 'acked',
      result: { code: 0, port: 1, waitingPorts: undefined },
    })
    assert.equal(stopFrame.message.action, 'stop')
    assert.equal(stopFrame.message.orderNo, ORDER_WIRE)
    assert.deepEqual(await reboot, { status: 'timeout' })

    const reboots = pile.of('reboot')
    assert.lengthOf(reboots, 2)
    assert.equal(reboots[0].messageId, reboots[1].messageId)
    assert.isAtLeast(reboots[1].at - reboots[0].at, 400)
    const commands = pile.received.filter((entry) => entry.message.type !== 'register_ack')
    for (let index = 1; index < commands.length; index++) {
      assert.isAtLeast(commands[index].at - commands[index - 1].at, 140)
    }
  })

  test('a remote start reports the start, or the pile refusal by name', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    const pile = await connectPile()
    const command = {
      type: 'start' as const,
      portNo: 1,
      orderNo: ORDER,
      limit: { kind: 'energy' as const, wattHours: 1005 },
      maxDurationSeconds: 36_000,
    }
    const first = adapter.send(KEY, command)
    await pile.until(() => pile.of('charge_control').length === 1)
    const frame = pile.of('charge_control')[0]
    assert.equal(frame.message.rateMode, 2)
    assert.equal(frame.message.energyCentiKwh, 101)
    pile.send(
      { type: 'charge_control_reply', result: 1, orderNo: frame.message.orderNo, port: 1 },
      frame.messageId
    )
    assert.deepEqual(await first, {
      status: 'failed',
      detail: 'no_charger',
      result: { code: 1, port: 1, waitingPorts: undefined },
    })
    assert.lengthOf(sink.of('chargeEnded'), 0)
    assert.deepInclude(sink.of('chargeStartFailed')[0], {
      deviceKey: KEY,
      portNo: 1,
      orderNo: ORDER,
      reason: 'no_charger',
      detail: 'no_charger',
    })

    const second = adapter.send(KEY, command)
    await pile.until(() => pile.of('charge_control').length === 2)
    const again = pile.of('charge_control')[1]
    pile.send(
      { type: 'charge_control_reply', result: 0, orderNo: again.message.orderNo, port: 1 },
      again.messageId
    )
    const outcome = await second
    assert.equal(outcome.status, 'acked')
    assert.deepEqual(
      sink.of('chargeStarted').map((event) => event.orderNo),
      [ORDER]
    )
  })

  test('set parameters: limits through 0x85, unknown names refused', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    const pile = await connectPile()
    const outcome = adapter.send(KEY, {
      type: 'set_parameters',
      parameters: { maxPowerWatts: 800, maxMinutes: 300 },
    })
    await pile.until(() => pile.of('set_limits').length === 1)
    const frame = pile.of('set_limits')[0]
    assert.equal(frame.message.overloadPowerDeciwatts, 8000)
    assert.equal(frame.message.maxDurationSeconds, 18_000)
    pile.send({ type: 'set_limits_reply', result: 0 }, frame.messageId)
    assert.deepEqual(await outcome, { status: 'acked' })

    assert.deepEqual(
      await adapter.send(KEY, { type: 'set_parameters', parameters: { volume: 3 } }),
      { status: 'failed', detail: 'unknown_parameter:volume' }
    )
  })

  test('an unknown device is not connected; a closed one goes offline', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter())
    assert.deepEqual(await adapter.send('05000001', { type: 'reboot' }), {
      status: 'not_connected',
    })
    const pile = await connectPile()
    pile.close()
    await sink.until(() => sink.of('pileOffline').length === 1)
    assert.deepEqual(adapter.connected(), [])
    assert.deepEqual(await adapter.send(KEY, { type: 'reboot' }), { status: 'not_connected' })
  })
})
