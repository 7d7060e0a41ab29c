import { test } from '@japa/runner'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import juy from '../index.js'
import { wireOrderNo } from '../mapping.js'
import { JuySimulator } from '../simulator.js'
import { RecordingSink, TestDevice, recordingLogger, waitFor } from './support.js'

const IMEI = '861197062934387'

async function startAdapter(config: Record<string, unknown> = {}) {
  const { logger, lines } = recordingLogger()
  const settings = await juy.validateConfig({
    mode: 'embedded',
    host: '127.0.0.1',
    port: 0,
    ...config,
  })
  const adapter = await juy.create(settings, {
    tenantId: null,
    logger,
    publicUrl: 'http://localhost',
  })
  const sink = new RecordingSink()
  await adapter.start(sink)
  return { adapter, sink, lines }
}

test.group('vendor-juy adapter, embedded broker', (group) => {
  let adapter: VendorAdapter
  let sink: RecordingSink
  let lines: Record<string, any>[]
  let devices: TestDevice[] = []

  group.each.setup(async () => {
    ;({ adapter, sink, lines } = await startAdapter())
    devices = []
    return async () => {
      await Promise.all(devices.map((each) => each.close()))
      await adapter.stop()
    }
  })

  async function device(imei = IMEI) {
    const connected = await TestDevice.connect(adapter.endpoint(), imei)
    devices.push(connected)
    return connected
  }

  test('simulated piles: login, swipe, start, power, end, ack; offline when they leave', async ({
    assert,
  }) => {
    const runStartedAt = Date.now()
    const summary = await new JuySimulator().run({
      endpoint: adapter.endpoint(),
      piles: 1,
      ports: 2,
      durationSeconds: 5,
      deviceKeys: [IMEI],
      cardNos: ['0A0B0C01'],
      speed: 600,
      seed: 7,
      logger: recordingLogger().logger,
    })

    assert.equal(summary.errors, 0)
    assert.equal(sink.online[0].deviceKey, IMEI)
    assert.equal(sink.online[0].portCount, 2)
    assert.equal(sink.online[0].iccid?.length, 20)
    assert.deepEqual(
      sink.heartbeats[0].ports?.map((port) => port.state),
      ['idle', 'idle']
    )
    assert.isAtLeast(summary.swipes, 1)
    assert.equal(sink.swipes[0].cardNo, '0A0B0C01')

    const [started] = sink.started
    assert.match(started.orderNo!, /^JUY\d{6}$/)
    assert.equal(started.transactionRef, String(wireOrderNo(started.orderNo!)))
    const samples = sink.samples.filter((sample) => sample.orderNo === started.orderNo)
    assert.isAtLeast(samples.length, 1)
    assert.isTrue(samples.every((sample) => sample.powerDeciwatts > 0))

    const ended = sink.ended.find((end) => end.orderNo === started.orderNo)!
    assert.equal(ended.portNo, started.portNo)
    // The first charge at a pile is a top-up: full unless the 1800 s limit comes first.
    assert.oneOf(ended.stopReason, ['full', 'time_limit'])
    assert.isAtMost(ended.durationSeconds ?? 0, 1800)
    // Billed figures are honest whatever the speed: no longer than the run, no more than 410 W over it.
    assert.isAtMost(ended.durationSeconds ?? 0, (Date.now() - runStartedAt) / 1000)
    assert.isAtMost(ended.energyWattHours ?? 0, (410 * (ended.durationSeconds ?? 0)) / 3600)
    assert.equal(summary.chargesEnded, new Set(sink.ended.map((end) => end.orderNo)).size)
    assert.equal(summary.chargesStarted, sink.started.length)

    // The broker saw the pile's connection close.
    await waitFor(() => sink.offline.includes(IMEI))
    assert.notInclude(adapter.connected(), IMEI)
  }).timeout(20_000)

  test('an end report resent 3 times is acked each time, with the same order', async ({
    assert,
  }) => {
    const pile = await device()
    await pile.login()
    assert.deepInclude(pile.of('login_reply')[0], { result: 0, heartbeatSeconds: 30 })
    assert.deepEqual(adapter.connected(), [IMEI])

    await pile.send({ type: 'card_auth', port: 2, cardNumber: 42, operation: 2 })
    await waitFor(() => pile.of('start').length === 1)
    assert.equal(sink.swipes[0].cardNo, '0000002A')
    const start = pile.of('start')[0]
    assert.deepInclude(start, {
      port: 2,
      startMode: 2,
      cardNumber: 42,
      chargeType: 3,
      durationSeconds: 1800,
      availableFen: 5000,
    })
    await pile.send({
      type: 'start_reply',
      port: 2,
      orderNo: start.orderNo,
      startMode: 2,
      result: 0,
    })
    await waitFor(() => sink.started.length === 1)

    const report = {
      type: 'end_report' as const,
      port: 2,
      orderNo: start.orderNo,
      durationSeconds: 600,
      energyWattHours: 50,
      amountFen: 30,
      stopReason: 6,
      stopPowerWatts: 0,
      cardNumber: 42,
      tiers: [{ durationSeconds: 600, priceFen: 100 }],
    }
    for (let sent = 1; sent <= 4; sent++) {
      await pile.send(report)
      await waitFor(() => pile.of('end_report_ack').length === sent)
    }

    assert.lengthOf(sink.ended, 4)
    for (const ended of sink.ended) {
      assert.deepInclude(ended, {
        orderNo: 'JUY000001',
        transactionRef: String(start.orderNo),
        portNo: 2,
        stopReason: 'unplugged',
        energyWattHours: 50,
        durationSeconds: 600,
      })
    }
    assert.isTrue(
      pile.of('end_report_ack').every((ack) => ack.port === 2 && ack.orderNo === start.orderNo)
    )
  })

  test("a start the pile refuses reaches the core at once as chargeStartFailed, with the command's outcome", async ({
    assert,
  }) => {
    const pile = await device()
    await pile.login()
    await pile.send({ type: 'card_auth', port: 2, cardNumber: 42, operation: 2 })
    await waitFor(() => pile.of('start').length === 1)
    const swiped = pile.of('start')[0]
    await pile.send({
      type: 'start_reply',
      port: 2,
      orderNo: swiped.orderNo,
      startMode: 2,
      result: 1,
    })
    await waitFor(() => sink.startFailures.length === 1)
    assert.deepInclude(sink.startFailures[0], {
      deviceKey: IMEI,
      portNo: 2,
      orderNo: 'JUY000001',
      reason: 'port_busy',
      detail: 'busy',
    })
    assert.lengthOf(sink.started, 0)

    const starting = adapter.send(IMEI, {
      commandId: 77,
      type: 'start',
      portNo: 1,
      orderNo: 'APP-77',
      limit: { kind: 'full' },
      maxDurationSeconds: 3600,
    })
    await waitFor(() => pile.of('start').length === 2)
    const remote = pile.of('start')[1]
    await pile.send({
      type: 'start_reply',
      port: 1,
      orderNo: remote.orderNo,
      startMode: 1,
      result: 2,
    })
    const outcome = await starting
    assert.equal(outcome.status, 'failed')
    assert.deepEqual(
      sink.commandResults.map((result) => [result.commandId, result.status, result.result?.detail]),
      [[77, 'failed', 'port_fault']]
    )
    assert.deepInclude(sink.startFailures[1], {
      portNo: 1,
      orderNo: 'APP-77',
      reason: 'port_fault',
    })
  })

  test('after a gateway restart between start and end, the end names the transaction for the core to resolve', async ({
    assert,
  }) => {
    let pile = await device()
    await pile.login()
    await pile.send({ type: 'card_auth', port: 1, cardNumber: 42, operation: 2 })
    await waitFor(() => pile.of('start').length === 1)
    const start = pile.of('start')[0]
    await pile.send({
      type: 'start_reply',
      port: 1,
      orderNo: start.orderNo,
      startMode: 2,
      result: 0,
    })
    await waitFor(() => sink.started.length === 1)
    assert.deepInclude(sink.started[0], {
      orderNo: 'JUY000001',
      transactionRef: String(start.orderNo),
    })

    // A new gateway process: a fresh adapter with no memory of the order.
    await pile.close()
    await adapter.stop()
    ;({ adapter, sink, lines } = await startAdapter())
    pile = await device()
    await pile.login()
    await pile.send({
      type: 'end_report',
      port: 1,
      orderNo: start.orderNo,
      durationSeconds: 900,
      energyWattHours: 80,
      amountFen: 0,
      stopReason: 0,
      stopPowerWatts: 0,
      cardNumber: 42,
      tiers: [],
    })
    await waitFor(() => pile.of('end_report_ack').length === 1)
    // The core stored this reference with the order at chargeStarted (charging tests cover that side).
    assert.deepInclude(sink.ended[0], {
      orderNo: null,
      transactionRef: String(start.orderNo),
      portNo: 1,
      energyWattHours: 80,
    })
  })

  test('a refused swipe is answered with the refusal; a stop we sent ends as remote_stop', async ({
    assert,
  }) => {
    const pile = await device()
    await pile.login()
    sink.decideCard = () => ({ authorised: false, reason: 'frozen' })
    await pile.send({ type: 'card_auth', port: 1, cardNumber: 7, operation: 2 })
    await waitFor(() => pile.of('card_auth_reply').length === 1)
    assert.deepInclude(pile.of('card_auth_reply')[0], { port: 1, cardNumber: 7, result: 2 })

    const stopping = adapter.send(IMEI, { type: 'stop', portNo: 1, orderNo: 'APP-9' })
    await waitFor(() => pile.of('stop').length === 1)
    const wire = wireOrderNo('APP-9')
    assert.deepInclude(pile.of('stop')[0], { port: 1, orderNo: wire })
    await pile.send({ type: 'stop_reply', port: 1, orderNo: wire, result: 0 })
    assert.deepEqual(await stopping, { status: 'acked', detail: 'stopped' })

    await pile.send({
      type: 'end_report',
      port: 1,
      orderNo: wire,
      durationSeconds: 60,
      energyWattHours: 10,
      amountFen: 2,
      stopReason: 3,
      stopPowerWatts: 180,
      cardNumber: 0,
      tiers: [],
    })
    await waitFor(() => sink.ended.length === 1)
    assert.equal(sink.ended[0].stopReason, 'remote_stop')
  })

  test('garbage and malformed messages are logged and ignored; the pile goes on', async ({
    assert,
  }) => {
    const pile = await device()
    await pile.login()
    const topic = `JUY/D2S/${IMEI}/82/DEV`
    await pile.raw(topic, Buffer.from('not a frame at all'))
    // A whole frame whose data is too short for a heartbeat: its sum holds.
    await pile.raw(topic, Buffer.from('5AA5040082001BA1', 'hex'))
    await pile.raw(`JUY/D2S/${IMEI}/zz/DEV`, Buffer.from('5AA5040082000086', 'hex'))
    await pile.send({
      type: 'heartbeat',
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [1, 2],
    })
    await waitFor(() => sink.heartbeats.length === 1)

    const refused = lines.filter((line) => /refused/.test(line.msg))
    assert.deepEqual(
      refused.map((line) => line.reason),
      ['bad_header', 'truncated', 'bad_topic']
    )
    assert.deepEqual(sink.heartbeats[0].ports, [
      { portNo: 1, state: 'charging' },
      { portNo: 2, state: 'fault', faultCode: 'fuse_blown' },
    ])
    assert.deepEqual(adapter.connected(), [IMEI])
  })

  test('the embedded broker keeps piles to their own topics', async ({ assert }) => {
    const pile = await TestDevice.connect(adapter.endpoint(), IMEI, { reconnectPeriod: 0 })
    devices.push(pile)
    // Refused subscriptions come back as 128 grants, which the client reports as an error.
    await assert.rejects(() => pile.client.subscribeAsync('JUY/D2S/#'), /Subscribe error/)
    await assert.rejects(() => pile.client.subscribeAsync('JUY/S2D/+/84/SERVER'), /Subscribe error/)
    // A command to another pile closes the sender's connection.
    const closed = new Promise<void>((resolve) => pile.client.once('close', () => resolve()))
    pile.client.publish(
      'JUY/S2D/867924060525709/84/SERVER',
      Buffer.from('5AA50800840002010000008F', 'hex')
    )
    await closed
    assert.deepEqual(sink.online, [])
  })

  test('a pile the core refuses is told so and cannot be sent commands', async ({ assert }) => {
    sink.accept = false
    const pile = await device()
    await pile.login()
    assert.equal(pile.of('login_reply')[0].result, 1)
    assert.deepEqual(adapter.connected(), [])
    assert.deepEqual(await adapter.send(IMEI, { type: 'reboot' }), { status: 'not_connected' })
  })

  test('commands to a simulated pile: parameters, stop on an idle port, reboot; unknown pile', async ({
    assert,
  }) => {
    sink.decideCard = () => ({ authorised: false, reason: 'insufficient_balance' })
    const running = new JuySimulator().run({
      endpoint: adapter.endpoint(),
      piles: 1,
      ports: 4,
      durationSeconds: 3,
      deviceKeys: [IMEI],
      speed: 60,
      seed: 3,
      logger: recordingLogger().logger,
    })
    await waitFor(() => adapter.connected().includes(IMEI))

    const set = await adapter.send(IMEI, {
      type: 'set_parameters',
      parameters: { volume: 3, tierPricesFen: '80,90,100,120,150,200,250,300', stopWhenFull: 0 },
    })
    assert.equal(set.status, 'acked')
    assert.deepInclude(set.result!, { volume: 3, stopWhenFull: false })
    assert.deepEqual(set.result!.tierPricesFen, [80, 90, 100, 120, 150, 200, 250, 300])

    assert.deepEqual(
      await adapter.send(IMEI, { type: 'set_parameters', parameters: { volume: 12 } }),
      { status: 'failed', detail: 'volume: The volume field must not be greater than 9' }
    )
    assert.deepEqual(
      await adapter.send(IMEI, { type: 'set_parameters', parameters: { colour: 'red' } }),
      { status: 'failed', detail: 'unknown parameter colour' }
    )
    assert.deepEqual(await adapter.send(IMEI, { type: 'stop', portNo: 4 }), {
      status: 'acked',
      detail: 'already_idle',
    })
    assert.deepEqual(await adapter.send(IMEI, { type: 'reboot' }), {
      status: 'failed',
      detail: 'unsupported',
    })
    assert.deepEqual(await adapter.send('861234567890123', { type: 'stop', portNo: 1 }), {
      status: 'not_connected',
    })

    const summary = await running
    assert.equal(summary.errors, 0)
    assert.equal(summary.chargesStarted, 0)
    assert.equal(summary.refusals.insufficient, summary.swipes)
  }).timeout(15_000)
})

test.group('vendor-juy adapter, external broker config', () => {
  test('external mode shares the device topics in group pilehub unless told; bad values are refused', async ({
    assert,
  }) => {
    await assert.rejects(() => juy.validateConfig({ mode: 'external' }))
    await assert.rejects(() =>
      juy.validateConfig({ mode: 'external', url: 'mqtt://emqx:1883', sharedGroup: 'a/b' })
    )
    await assert.rejects(() =>
      juy.validateConfig({ mode: 'external', url: 'mqtt://emqx:1883', sharedGroup: '#' })
    )
    // The prefix leaves room for each gateway's random suffix.
    await assert.rejects(() =>
      juy.validateConfig({ mode: 'external', url: 'mqtt://emqx:1883', clientId: 'g'.repeat(49) })
    )
    const valid = await juy.validateConfig({ mode: 'external', url: 'mqtts://emqx:8883' })
    assert.equal(valid.url, 'mqtts://emqx:8883')
    assert.isUndefined(valid.sharedGroup)
    const grouped = await juy.validateConfig({
      mode: 'external',
      url: 'mqtt://emqx:1883',
      sharedGroup: 'pilehub-eu_2',
    })
    assert.equal(grouped.sharedGroup, 'pilehub-eu_2')
    assert.deepEqual(juy.secrets, ['password'])
  })
})
