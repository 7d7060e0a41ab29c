import { test } from '@japa/runner'
import { testLogger } from '#sdk/testing/context'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import vendorDny from '../index.js'
import { RecordingSink } from './recording_sink.js'

const logger = testLogger()

/** The ICCID the first pile is bound to, as the seeder gives it. */
const BOUND_ICCID = '89860412345678901234'

/** A sink that also notes, in real milliseconds, when each order started as the core saw it. */
class TimedSink extends RecordingSink {
  readonly startedAt = new Map<string, number>()
  readonly endedAt = new Map<string, number>()

  async chargeStarted(event: { deviceKey: string; portNo: number; orderNo: string | null }) {
    if (event.orderNo) this.startedAt.set(event.orderNo, Date.now())
    return super.chargeStarted(event)
  }

  async chargeEnded(event: Parameters<RecordingSink['chargeEnded']>[0]) {
    if (event.orderNo && !this.endedAt.has(event.orderNo))
      this.endedAt.set(event.orderNo, Date.now())
    return super.chargeEnded(event)
  }
}

test.group('vendor-dny simulator against the adapter', (group) => {
  let adapter: VendorAdapter | null = null
  group.each.teardown(async () => {
    await adapter?.stop()
    adapter = null
  })

  test('piles log in, heartbeat, swipe, charge with power reports and settle', async ({
    assert,
  }) => {
    // 3000 simulated seconds a second: a heartbeat every 60 ms, power reports of 10 ports.
    const config = await vendorDny.validateConfig({
      host: '127.0.0.1',
      port: 0,
      commandGapMs: 20,
      messagesPerSecond: 1000,
      messageBurst: 1000,
    })
    adapter = await vendorDny.create(config, {
      tenantId: null,
      logger,
      publicUrl: 'http://localhost',
    })
    const sink = new TimedSink()
    sink.refusedCards.set('D1100009', 'frozen')
    sink.identities.set('05CEAA40', BOUND_ICCID)
    await adapter.start(sink)
    const simulator = await vendorDny.simulator!()

    const summary = await simulator.run({
      endpoint: adapter.endpoint(),
      piles: 2,
      ports: 10,
      durationSeconds: 8,
      deviceKeys: ['05CEAA40'],
      credentials: { '05CEAA40': BOUND_ICCID },
      cardNos: ['D1100001', 'D1100002', '3503082240', 'D1100009'],
      speed: 3000,
      seed: 7,
      logger,
    })
    await sink.until(() => sink.of('pileOffline').length === 2)

    // The bound pile presented its ICCID from the credentials, the other its own.
    const proofs = new Map(sink.claims.map((claim) => [claim.deviceKey, claim.proof]))
    assert.deepEqual(proofs.get('05CEAA40'), { kind: 'iccid', iccid: BOUND_ICCID })
    assert.deepEqual(proofs.get('050186A1'), { kind: 'iccid', iccid: '89860000000083986081' })

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
      assert.oneOf(event.stopReason, ['full', 'unplugged', 'time_limit'])
      // Honest at any speed: no longer than the core saw it run (the record counts whole
      // seconds from the pile's own confirmation, a few ms before the core hears of it),
      // no more energy than 400 W (the curve's top) over that time, never in the future.
      const seenMs = sink.endedAt.get(event.orderNo!)! - sink.startedAt.get(event.orderNo!)!
      assert.isAtMost(event.durationSeconds! * 1000, seenMs + 1000, event.orderNo!)
      assert.isAtMost(event.energyWattHours!, (400 * (seenMs + 1000)) / 3_600_000)
      assert.isAtMost(event.endedAt.getTime(), sink.endedAt.get(event.orderNo!)!)
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
