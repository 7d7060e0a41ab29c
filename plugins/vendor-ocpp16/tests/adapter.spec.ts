import { test } from '@japa/runner'
import { RawCharger, startAdapter, until, type RecordingSink } from './helpers.js'
import { MAX_REMEMBERED_PER_CHARGER, type OcppAdapter } from '../adapter.js'
import { scaleDecimal } from '../protocol/meter.js'

let adapter: OcppAdapter
let sink: RecordingSink

/** A frame's type, id and action or error code. */
const head = (frame: any[]) => frame.slice(0, 3)
const kind = (frame: any[]) => frame[0]

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function url(key: string) {
  return `${adapter.endpoint()}/${key}`
}

test.group('vendor-ocpp16 adapter', (group) => {
  group.each.setup(async () => {
    ;({ adapter, sink } = await startAdapter())
    return () => adapter.stop()
  })

  test('boot, status, authorize, start, meter values and stop, frame by frame', async ({
    assert,
  }) => {
    const charger = await RawCharger.connect(url('CB-0001'))

    const boot = await charger.call('1', 'BootNotification', {
      chargePointVendor: 'ACME',
      chargePointModel: 'AC7',
      firmwareVersion: '2.1.0',
      iccid: '89860412345678901234',
    })
    assert.deepEqual(boot, [
      3,
      '1',
      { status: 'Accepted', currentTime: boot[2].currentTime, interval: 120 },
    ])
    assert.match(boot[2].currentTime, ISO)
    assert.deepInclude(sink.of('pileOnline')[0], {
      deviceKey: 'CB-0001',
      firmware: '2.1.0',
      iccid: '89860412345678901234',
      protocolVersion: 'ocpp1.6',
    })

    assert.deepEqual(
      await charger.call('2', 'StatusNotification', {
        connectorId: 1,
        errorCode: 'NoError',
        status: 'Preparing',
      }),
      [3, '2', {}]
    )
    assert.deepEqual(sink.of('portStatus'), [
      { deviceKey: 'CB-0001', portNo: 1, state: 'plugged', faultCode: null },
    ])

    assert.deepEqual(await charger.call('3', 'Authorize', { idTag: 'CARD0001' }), [
      3,
      '3',
      { idTagInfo: { status: 'Accepted' } },
    ])
    // Authorize names no connector: the core gets no port, StartTransaction gives it.
    assert.deepInclude(sink.of('cardSwiped')[0], {
      deviceKey: 'CB-0001',
      portNo: null,
      cardNo: 'CARD0001',
    })

    const start = await charger.call('4', 'StartTransaction', {
      connectorId: 1,
      idTag: 'CARD0001',
      meterStart: 12_000,
      timestamp: '2026-05-01T02:00:00Z',
    })
    const transactionId = start[2].transactionId
    assert.isTrue(
      Number.isSafeInteger(transactionId) && transactionId > 0 && transactionId < 2 ** 31
    )
    assert.deepEqual(start, [3, '4', { transactionId, idTagInfo: { status: 'Accepted' } }])
    assert.deepEqual(sink.of('chargeStarted'), [
      {
        deviceKey: 'CB-0001',
        portNo: 1,
        orderNo: 'ORD0000000000001',
        transactionRef: String(transactionId),
        idTag: 'CARD0001',
        meterStartWattHours: 12_000,
        at: new Date('2026-05-01T02:00:00Z'),
      },
    ])

    const meter = await charger.call('5', 'MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: '2026-05-01T02:10:00Z',
          sampledValue: [
            { value: '3.5205', measurand: 'Power.Active.Import', unit: 'kW' },
            { value: '12586', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          ],
        },
      ],
    })
    assert.deepEqual(meter, [3, '5', {}])
    assert.deepEqual(sink.of('meterSample'), [
      {
        deviceKey: 'CB-0001',
        portNo: 1,
        orderNo: 'ORD0000000000001',
        transactionRef: String(transactionId),
        powerDeciwatts: 35_205,
        energyWattHours: 586,
        at: new Date('2026-05-01T02:10:00Z'),
      },
    ])

    const stop = await charger.call('6', 'StopTransaction', {
      transactionId,
      idTag: 'CARD0001',
      meterStop: 13_000,
      timestamp: '2026-05-01T02:20:00Z',
      reason: 'EVDisconnected',
    })
    assert.deepEqual(stop, [3, '6', { idTagInfo: { status: 'Accepted' } }])
    assert.deepEqual(sink.of('chargeEnded'), [
      {
        deviceKey: 'CB-0001',
        portNo: 1,
        orderNo: 'ORD0000000000001',
        transactionRef: String(transactionId),
        startedAt: new Date('2026-05-01T02:00:00Z'),
        endedAt: new Date('2026-05-01T02:20:00Z'),
        durationSeconds: 1200,
        energyWattHours: 1000,
        meterStopWattHours: 13_000,
        maxPowerDeciwatts: 35_205,
        stopReason: 'unplugged',
        rawStopCode: 'EVDisconnected',
      },
    ])

    const heartbeat = await charger.call('7', 'Heartbeat', {})
    assert.deepEqual(heartbeat, [3, '7', { currentTime: heartbeat[2].currentTime }])
    assert.deepEqual(adapter.connected(), ['CB-0001'])

    await charger.close()
    await until(() => sink.of('pileOffline').length === 1)
    assert.deepEqual(sink.of('pileOffline'), [{ deviceKey: 'CB-0001' }])
    assert.deepEqual(adapter.connected(), [])
  })

  test('a StopTransaction with an unknown transactionId is answered and reported without an order', async ({
    assert,
  }) => {
    const charger = await RawCharger.connect(url('CB-0002'))
    const stop = await charger.call('s1', 'StopTransaction', {
      transactionId: 987_654,
      meterStop: 5_400,
      timestamp: '2026-05-01T03:00:00Z',
      transactionData: [
        {
          timestamp: '2026-05-01T02:00:00Z',
          sampledValue: [{ value: '5000', context: 'Transaction.Begin' }],
        },
      ],
    })
    assert.deepEqual(stop, [3, 's1', {}])
    assert.deepInclude(sink.of('chargeEnded')[0], {
      orderNo: null,
      transactionRef: '987654',
      energyWattHours: 400,
      stopReason: 'local_stop',
      rawStopCode: 'Local',
    })
    // The session goes on.
    assert.equal(kind(await charger.call('s2', 'Heartbeat', {})), 3)
    await charger.close()
  })

  test('malformed frames get a CALLERROR and the session stays open', async ({ assert }) => {
    const charger = await RawCharger.connect(url('CB-0003'))

    charger.sendRaw('[2,"m1","Heartbeat",{')
    assert.deepEqual(head(await charger.next()), [4, 'm1', 'FormationViolation'])
    charger.sendRaw('hello')
    assert.deepEqual(head(await charger.next()), [4, '-1', 'FormationViolation'])
    charger.sendRaw('[2,"m2","Heartbeat"]')
    assert.deepEqual(head(await charger.next()), [4, 'm2', 'FormationViolation'])
    charger.sendRaw('[2,"m3","Heartbeat",[]]')
    assert.deepEqual(head(await charger.next()), [4, 'm3', 'TypeConstraintViolation'])

    assert.deepEqual(head(await charger.call('m4', 'FlyToTheMoon', {})), [
      4,
      'm4',
      'NotImplemented',
    ])
    assert.deepEqual(head(await charger.call('m5', 'GetConfiguration', {})), [
      4,
      'm5',
      'NotSupported',
    ])
    const missing = await charger.call('m6', 'Authorize', {})
    assert.deepEqual(missing, [
      4,
      'm6',
      'OccurenceConstraintViolation',
      'The idTag field must be defined',
      { field: 'idTag' },
    ])
    assert.deepEqual(
      head(
        await charger.call('m7', 'StartTransaction', {
          connectorId: '1',
          idTag: 'X',
          meterStart: 0,
          timestamp: '2026-05-01T02:00:00Z',
        })
      ),
      [4, 'm7', 'TypeConstraintViolation']
    )
    assert.deepEqual(
      head(
        await charger.call('m8', 'StatusNotification', {
          connectorId: 1,
          errorCode: 'NoError',
          status: 'Dancing',
        })
      ),
      [4, 'm8', 'PropertyConstraintViolation']
    )
    assert.deepEqual(head(await charger.call('m9', 'Authorize', { idTag: 'X'.repeat(21) })), [
      4,
      'm9',
      'PropertyConstraintViolation',
    ])
    // An answer to nothing is dropped without a reply.
    charger.sendRaw('[3,"nobody-asked",{}]')

    const heartbeat = await charger.call('m10', 'Heartbeat', {})
    assert.equal(heartbeat[0], 3)
    assert.equal(heartbeat[1], 'm10')
    assert.deepEqual(adapter.connected(), ['CB-0003'])
    await charger.close()
  })

  test('a refused card is answered Blocked or Invalid and starts nothing', async ({ assert }) => {
    sink.cards.set('LOST01', { authorised: false, reason: 'lost_card' })
    sink.cards.set('POOR01', { authorised: false, reason: 'insufficient_balance' })
    const charger = await RawCharger.connect(url('CB-0004'))
    assert.deepEqual(await charger.call('a1', 'Authorize', { idTag: 'LOST01' }), [
      3,
      'a1',
      { idTagInfo: { status: 'Blocked' } },
    ])
    assert.deepEqual(await charger.call('a2', 'Authorize', { idTag: 'POOR01' }), [
      3,
      'a2',
      { idTagInfo: { status: 'Invalid' } },
    ])
    await charger.close()
  })

  test('remote start, remote stop, reset and change configuration round trips', async ({
    assert,
  }) => {
    const charger = await RawCharger.connect(url('CB-0005'))
    await charger.call('b1', 'BootNotification', {
      chargePointVendor: 'ACME',
      chargePointModel: 'AC7',
    })

    const starting = adapter.send('CB-0005', {
      type: 'start',
      portNo: 2,
      orderNo: 'ORD9000000000001',
      limit: { kind: 'duration', seconds: 3600 },
      maxDurationSeconds: 7200,
    })
    const remoteStart = await charger.next()
    assert.deepEqual(remoteStart, [
      2,
      remoteStart[1],
      'RemoteStartTransaction',
      { connectorId: 2, idTag: 'ORD9000000000001' },
    ])
    charger.sendRaw(JSON.stringify([3, remoteStart[1], { status: 'Accepted' }]))
    assert.deepEqual(await starting, { status: 'acked', detail: 'Accepted' })

    // The charger checks the remote idTag (AuthorizeRemoteTxRequests) and starts.
    assert.deepEqual(await charger.call('b2', 'Authorize', { idTag: 'ORD9000000000001' }), [
      3,
      'b2',
      { idTagInfo: { status: 'Accepted' } },
    ])
    assert.lengthOf(sink.of('cardSwiped'), 0)
    const start = await charger.call('b3', 'StartTransaction', {
      connectorId: 2,
      idTag: 'ORD9000000000001',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    })
    assert.equal(sink.of('chargeStarted')[0].orderNo, 'ORD9000000000001')

    const stopping = adapter.send('CB-0005', {
      type: 'stop',
      portNo: 2,
      orderNo: 'ORD9000000000001',
    })
    const remoteStop = await charger.next()
    assert.deepEqual(remoteStop, [
      2,
      remoteStop[1],
      'RemoteStopTransaction',
      { transactionId: start[2].transactionId },
    ])
    charger.sendRaw(JSON.stringify([3, remoteStop[1], { status: 'Accepted' }]))
    assert.deepEqual(await stopping, { status: 'acked', detail: 'Accepted' })
    await charger.call('b4', 'StopTransaction', {
      transactionId: start[2].transactionId,
      meterStop: 10,
      timestamp: new Date().toISOString(),
      reason: 'Remote',
    })
    assert.equal(sink.of('chargeEnded')[0].stopReason, 'remote_stop')
    assert.deepEqual(await adapter.send('CB-0005', { type: 'stop', portNo: 2 }), {
      status: 'failed',
      detail: 'no_transaction',
    })

    const resetting = adapter.send('CB-0005', { type: 'reboot' })
    const reset = await charger.next()
    assert.deepEqual(reset, [2, reset[1], 'Reset', { type: 'Soft' }])
    charger.sendRaw(JSON.stringify([3, reset[1], { status: 'Rejected' }]))
    assert.deepEqual(await resetting, { status: 'failed', detail: 'Rejected' })

    const configuring = adapter.send('CB-0005', {
      type: 'set_parameters',
      parameters: { HeartbeatInterval: 60, MeterValueSampleInterval: 30 },
    })
    const first = await charger.next()
    assert.deepEqual(first, [
      2,
      first[1],
      'ChangeConfiguration',
      { key: 'HeartbeatInterval', value: '60' },
    ])
    charger.sendRaw(JSON.stringify([3, first[1], { status: 'Accepted' }]))
    // One outstanding call per direction: the second only comes after the first is answered.
    const second = await charger.next()
    assert.deepEqual(second, [
      2,
      second[1],
      'ChangeConfiguration',
      { key: 'MeterValueSampleInterval', value: '30' },
    ])
    charger.sendRaw(JSON.stringify([3, second[1], { status: 'RebootRequired' }]))
    assert.deepEqual(await configuring, {
      status: 'acked',
      detail: 'reboot_required',
      result: { HeartbeatInterval: 'Accepted', MeterValueSampleInterval: 'RebootRequired' },
    })

    // A call the charger does not answer times out (callTimeoutMs) and the next one still goes.
    const unanswered = adapter.send('CB-0005', { type: 'reboot' })
    const queued = adapter.send('CB-0005', { type: 'reboot' })
    await charger.next()
    assert.deepEqual(await unanswered, { status: 'timeout' })
    const again = await charger.next()
    charger.sendRaw(JSON.stringify([4, again[1], 'NotSupported', 'no', {}]))
    assert.deepEqual(await queued, {
      status: 'failed',
      detail: 'NotSupported',
      result: { description: 'no' },
    })
    await charger.close()
  })

  test('a duration limit is enforced by the adapter from the charger clock', async ({ assert }) => {
    sink.cards.set('TIMED01', {
      authorised: true,
      orderNo: 'ORD7000000000001',
      balanceFen: 500,
      limit: { kind: 'duration', seconds: 3600 },
      maxDurationSeconds: 7200,
    })
    const charger = await RawCharger.connect(url('CB-0006'))
    await charger.call('t1', 'Authorize', { idTag: 'TIMED01' })
    const start = await charger.call('t2', 'StartTransaction', {
      connectorId: 1,
      idTag: 'TIMED01',
      meterStart: 0,
      timestamp: '2026-05-01T02:00:00Z',
    })
    const transactionId = start[2].transactionId
    charger.sendRaw(
      JSON.stringify([
        2,
        't3',
        'MeterValues',
        {
          connectorId: 1,
          transactionId,
          meterValue: [{ timestamp: '2026-05-01T03:00:00Z', sampledValue: [{ value: '3000' }] }],
        },
      ])
    )
    // The stop is our own call: it may come before or after the answer to the sample.
    const frames = [await charger.next(), await charger.next()]
    assert.deepInclude(frames, [3, 't3', {}])
    const remoteStop = frames.find((frame) => frame[0] === 2)!
    assert.deepEqual(remoteStop, [2, remoteStop[1], 'RemoteStopTransaction', { transactionId }])
    charger.sendRaw(JSON.stringify([3, remoteStop[1], { status: 'Accepted' }]))
    await charger.call('t4', 'StopTransaction', {
      transactionId,
      meterStop: 3000,
      timestamp: '2026-05-01T03:00:05Z',
      reason: 'Remote',
    })
    assert.deepInclude(sink.of('chargeEnded')[0], {
      orderNo: 'ORD7000000000001',
      stopReason: 'time_limit',
      rawStopCode: 'Remote',
      energyWattHours: 3000,
    })
    await charger.close()
  })

  test('an unknown device is not_connected; bad ids and subprotocols are refused', async ({
    assert,
  }) => {
    assert.deepEqual(await adapter.send('NOPE', { type: 'reboot' }), { status: 'not_connected' })
    await assert.rejects(() => RawCharger.connect(url('bad%20id')), 'HTTP 404')
    await assert.rejects(() => RawCharger.connect(url('X'.repeat(21))), 'HTTP 404')
    await assert.rejects(
      () => RawCharger.connect(url('CB-1'), { protocols: ['ocpp2.0.1'] }),
      'HTTP 400'
    )
    assert.lengthOf(sink.events, 0)
  })

  test('a charger cannot make the adapter remember more than 64 open transactions', async ({
    assert,
  }) => {
    await adapter.stop()
    ;({ adapter, sink } = await startAdapter({ messageBurst: 1000 }))
    const charger = await RawCharger.connect(url('CB-MANY'))
    const ids: number[] = []
    for (let index = 0; index < MAX_REMEMBERED_PER_CHARGER + 6; index++) {
      const [, , started] = await charger.call(`s${index}`, 'StartTransaction', {
        connectorId: 1,
        idTag: `TAG${index}`,
        meterStart: 0,
        timestamp: '2026-05-01T02:00:00Z',
      })
      ids.push(started.transactionId)
    }
    const stop = (transactionId: number) =>
      charger.call(`e${transactionId}`, 'StopTransaction', {
        transactionId,
        meterStop: 10,
        timestamp: '2026-05-01T03:00:00Z',
      })
    // The oldest were forgotten: their end still names the transaction, the core finds the order.
    await stop(ids[0])
    await stop(ids.at(-1)!)
    const [forgotten, kept] = sink.of('chargeEnded')
    assert.deepInclude(forgotten, {
      orderNo: null,
      transactionRef: String(ids[0]),
      startedAt: null,
    })
    assert.deepInclude(kept, { orderNo: `OWN${ids.at(-1)}`, durationSeconds: 3600 })
    await charger.close()
  })

  test('a reconnecting charger replaces its old session without going offline', async ({
    assert,
  }) => {
    const first = await RawCharger.connect(url('CB-0007'))
    const second = await RawCharger.connect(url('CB-0007'))
    await until(() => first.socket.readyState === first.socket.CLOSED)
    assert.deepEqual(adapter.connected(), ['CB-0007'])
    assert.lengthOf(sink.of('pileOffline'), 0)
    // Without a new BootNotification, the first call brings the pile online.
    await second.call('r1', 'Heartbeat', {})
    assert.deepEqual(
      sink.events.map((recorded) => recorded.event),
      ['pileOnline', 'heartbeat']
    )
    await second.close()
  })
})

test.group('vendor-ocpp16 meter values', () => {
  test('decimal texts scale exactly, rounding half up', ({ assert }) => {
    assert.equal(scaleDecimal('3.5205', 4), 35_205)
    assert.equal(scaleDecimal('0.35', 1), 4)
    assert.equal(scaleDecimal('0.34', 1), 3)
    assert.equal(scaleDecimal('12586', 0), 12_586)
    assert.equal(scaleDecimal('1.2345', 3), 1235)
    assert.equal(scaleDecimal('-1.5', 1), -15)
    assert.isNull(scaleDecimal('1e3', 0))
    assert.isNull(scaleDecimal('', 0))
  })
})
