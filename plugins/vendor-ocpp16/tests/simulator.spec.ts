import { test } from '@japa/runner'
import { testLogger } from '#sdk/testing/context'
import ocpp16 from '../index.js'
import { startAdapter, until } from './helpers.js'

const logger = testLogger()

test.group('vendor-ocpp16 simulator', () => {
  test('chargers boot, swipe, charge on a power curve and end every charge they start', async ({
    assert,
  }) => {
    const { adapter, sink } = await startAdapter()
    try {
      sink.cards.set('LOST-CARD', { authorised: false, reason: 'lost_card' })
      const simulator = await ocpp16.simulator!()
      const summary = await simulator.run({
        endpoint: adapter.endpoint(),
        piles: 2,
        ports: 2,
        durationSeconds: 8,
        deviceKeys: ['SIM-A', 'SIM-B'],
        cardNos: ['CARD-1', 'CARD-2', 'CARD-3', 'LOST-CARD'],
        speed: 600,
        seed: 7,
        logger,
      })
      assert.equal(summary.piles, 2)
      assert.equal(summary.errors, 0)
      assert.isAbove(summary.chargesStarted, 0)
      assert.equal(summary.chargesEnded, summary.chargesStarted)
      assert.isAbove(summary.swipes, summary.chargesStarted)
      assert.isAbove(summary.refusals.blocked ?? 0, 0)
      assert.isAbove(summary.frames.sent, 0)
      assert.equal(summary.frames.received, summary.frames.sent)

      assert.sameMembers(
        sink.of('pileOnline').map((report) => report.deviceKey),
        ['SIM-A', 'SIM-B']
      )
      const received = (event: 'chargeStarted' | 'chargeEnded', transactionRef: string) =>
        sink.events.find(
          (recorded) =>
            recorded.event === event && recorded.payload.transactionRef === transactionRef
        )!.receivedAt
      const ended = sink.of('chargeEnded')
      assert.lengthOf(ended, summary.chargesEnded)
      for (const end of ended) {
        assert.match(end.orderNo, /^ORD\d{13}$/)
        assert.isAtLeast(end.energyWattHours, 0)
        // Sped up 600 times, yet no figure beyond what really passed since the core saw the start.
        const realMs =
          received('chargeEnded', end.transactionRef) -
          received('chargeStarted', end.transactionRef)
        assert.isAtMost(end.endedAt.getTime(), received('chargeEnded', end.transactionRef))
        assert.isAtMost(end.durationSeconds, realMs / 1000 + 1)
        assert.isAtMost(end.energyWattHours, (7_000 * realMs) / 3_600_000)
      }
      const samples = sink.of('meterSample')
      assert.isAbove(samples.length, 0)
      assert.isTrue(samples.every((sample) => sample.powerDeciwatts <= 70_000))
      assert.isTrue(samples.some((sample) => sample.powerDeciwatts > 0))
      await until(() => sink.of('pileOffline').length === 2)
    } finally {
      await adapter.stop()
    }
  }).timeout(20_000)

  test('the simulator answers remote start, remote stop, reset and configuration', async ({
    assert,
  }) => {
    const { adapter, sink } = await startAdapter()
    try {
      // Every swipe is refused, so the port stays free for the remote start.
      sink.cards.set('LOST-CARD', { authorised: false, reason: 'lost_card' })
      const simulator = await ocpp16.simulator!()
      const running = simulator.run({
        endpoint: adapter.endpoint(),
        piles: 1,
        ports: 1,
        durationSeconds: 6,
        deviceKeys: ['SIM-R'],
        cardNos: ['LOST-CARD'],
        speed: 60,
        seed: 3,
        logger,
      })
      await until(() => adapter.connected().includes('SIM-R') && sink.of('portStatus').length >= 2)

      assert.deepEqual(
        await adapter.send('SIM-R', {
          type: 'start',
          portNo: 1,
          orderNo: 'ORD5000000000001',
          limit: { kind: 'full' },
          maxDurationSeconds: 36_000,
        }),
        { status: 'acked', detail: 'Accepted' }
      )
      // The charger has its transactionId once it reports the port charging.
      await until(() => sink.of('portStatus').some((port) => port.state === 'charging'))
      assert.equal(sink.of('chargeStarted')[0].orderNo, 'ORD5000000000001')

      assert.deepEqual(await adapter.send('SIM-R', { type: 'stop', portNo: 1 }), {
        status: 'acked',
        detail: 'Accepted',
      })
      await until(() => sink.of('chargeEnded').length === 1)
      assert.deepInclude(sink.of('chargeEnded')[0], {
        orderNo: 'ORD5000000000001',
        stopReason: 'remote_stop',
      })

      assert.deepEqual(
        await adapter.send('SIM-R', {
          type: 'set_parameters',
          parameters: { MeterValueSampleInterval: 30 },
        }),
        { status: 'acked', result: { MeterValueSampleInterval: 'Accepted' } }
      )
      assert.deepEqual(
        await adapter.send('SIM-R', { type: 'set_parameters', parameters: { Colour: 'blue' } }),
        { status: 'failed', detail: 'NotSupported', result: {} }
      )

      assert.deepEqual(await adapter.send('SIM-R', { type: 'reboot' }), {
        status: 'acked',
        detail: 'Accepted',
      })
      // The charger restarts: it drops the connection, comes back and boots again.
      await until(() => sink.of('pileOffline').length === 1)
      await until(() => sink.of('pileOnline').length === 2)

      const summary = await running
      assert.equal(summary.chargesStarted, 1)
      assert.equal(summary.chargesEnded, 1)
      assert.equal(summary.errors, 0)
    } finally {
      await adapter.stop()
    }
  }).timeout(20_000)
})
