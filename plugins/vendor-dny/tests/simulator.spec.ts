import { test } from '@japa/runner'
import logger from '@adonisjs/core/services/logger'
import vendorDny from '../index.js'
import { RecordingSink } from './recording_sink.js'

test.group('vendor-dny simulator against the adapter', () => {
  test('piles log in, heartbeat, swipe, charge with power reports and settle', async ({
    assert,
  }) => {
    const config = await vendorDny.validateConfig({ host: '127.0.0.1', port: 0, commandGapMs: 20 })
    const adapter = await vendorDny.create(config, {
      tenantId: null,
      logger,
      publicUrl: 'http://localhost',
    })
    const sink = new RecordingSink()
    sink.refusedCards.set('D1100009', 'frozen')
    await adapter.start(sink)
    const simulator = await vendorDny.simulator!()

    const summary = await simulator.run({
      endpoint: adapter.endpoint(),
      piles: 2,
      ports: 10,
      durationSeconds: 8,
      deviceKeys: ['05CEAA40'],
      cardNos: ['D1100001', 'D1100002', '3503082240', 'D1100009'],
      speed: 3000,
      seed: 7,
      logger,
    })
    await sink.until(() => sink.of('pileOffline').length === 2)
    await adapter.stop()

    assert.sameMembers(
      sink.of('pileOnline').map((event) => event.report.deviceKey),
      ['05CEAA40', '050186A1']
    )
    assert.isAbove(sink.of('heartbeat').length, 2)
    assert.equal(summary.piles, 2)
    assert.equal(summary.errors, 0)
    assert.isAbove(summary.swipes, 5)
    assert.equal(summary.swipes, sink.of('cardSwiped').length)
    assert.isAbove(summary.refusals.wrong_account ?? 0, 0)
    assert.isAbove(summary.chargesEnded, 2)
    // The decimal card number reached the core as the hex UID it stands for.
    assert.include(
      sink.of('cardSwiped').map((event) => event.cardNo),
      'D1100001'
    )

    const started = new Set(sink.of('chargeStarted').map((event) => event.orderNo))
    assert.equal(started.size, summary.chargesStarted)
    const ended = sink.of('chargeEnded').map(({ event }) => event)
    assert.isAbove(ended.length, 2)
    for (const event of ended) {
      assert.isTrue(started.has(event.orderNo), `${event.orderNo} ended without a start`)
      assert.isAbove(event.energyWattHours ?? 0, 0)
      assert.oneOf(event.stopReason, ['full', 'unplugged', 'time_limit'])
    }
    const fullCharges = ended.filter((event) => event.stopReason === 'full')
    assert.isAbove(fullCharges.length, 0)
    for (const event of fullCharges) {
      // Plateau power of an e-bike charger: 150-400 W.
      assert.isAtLeast(event.maxPowerDeciwatts!, 1500)
      assert.isAtMost(event.maxPowerDeciwatts!, 4000)
    }
    assert.isAbove(sink.of('meterSample').length, 0)
  }).timeout(30_000)
})
