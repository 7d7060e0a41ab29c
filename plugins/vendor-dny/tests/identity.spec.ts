import { test } from '@japa/runner'
import { testLogger } from '#sdk/testing/context'
import type { VendorAdapter, VendorIdentityDecision } from '#sdk/contracts/vendor'
import vendorDny from '../index.js'
import { encodeDeviceMessage } from '../protocol/codec.js'
import { heartbeat, RawPile, register } from './raw_pile.js'
import { RecordingSink } from './recording_sink.js'

const logger = testLogger()

const PILE = 0x04ceaa40
const KEY = '04CEAA40'
/** A sub-pile of the same host module. */
const SUB_PILE = 0x04ceaa41
const SUB_KEY = '04CEAA41'
/** The SIM the pile registered with, and one it did not. */
const ICCID = '89860439101880123456'
const OTHER_ICCID = '89860439101880999999'

const SWIPE = {
  type: 'card_swipe' as const,
  cardUid: 'D1100001',
  cardType: 1 as const,
  port: 1,
  cardBalanceFen: 0,
}
const SETTLEMENT = {
  type: 'settlement' as const,
  durationSeconds: 28_800,
  maxPowerDeciwatts: 2500,
  energyCentiKwh: 200,
  port: 1,
  startMode: 1 as const,
  cardUid: 'D1100001',
  stopReason: 1,
  orderNo: Buffer.from('T000000000000042', 'ascii').toString('hex').toUpperCase(),
}

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

test.group('vendor-dny identity: the physical id bound to the SIM ICCID', (group) => {
  let adapter: VendorAdapter
  let sink: RecordingSink
  const piles: RawPile[] = []

  group.each.setup(async () => {
    ;({ adapter, sink } = await startAdapter())
  })
  group.each.teardown(async () => {
    for (const pile of piles.splice(0)) pile.close()
    await adapter.stop()
  })

  /** A module that connects, sends its ICCID (if any) and registers. */
  async function dial(iccid: string | null, physicalId = PILE) {
    const pile = await RawPile.connect(adapter.endpoint(), physicalId)
    piles.push(pile)
    if (iccid) pile.write(iccid)
    pile.send(register(2))
    return pile
  }

  async function online(iccid: string | null) {
    const pile = await dial(iccid)
    await pile.until(() => pile.of('register_ack').length === 1)
    return pile
  }

  /** The real pile still owns its key: the core's commands reach it and it answers. */
  async function assertStillServes(assert: any, real: RawPile) {
    assert.deepEqual(adapter.connected(), [KEY])
    assert.isFalse(real.closed)
    const reboot = adapter.send(KEY, { type: 'reboot' })
    await real.until(() => real.of('reboot').length === 1)
    real.send({ type: 'reboot_reply', result: 0 }, real.of('reboot')[0].messageId)
    assert.deepEqual(await reboot, { status: 'acked' })
  }

  test('the core is asked once, with the ICCID sent on connect, before any other event', async ({
    assert,
  }) => {
    sink.identities.set(KEY, ICCID)
    const pile = await online(ICCID)
    pile.send(heartbeat([0, 0]))
    await pile.until(() => pile.of('heartbeat_ack').length === 1)

    assert.lengthOf(sink.claims, 1)
    const [claim] = sink.claims
    assert.equal(claim.deviceKey, KEY)
    assert.deepEqual(claim.proof, { kind: 'iccid', iccid: ICCID })
    assert.match(claim.ip!, /127\.0\.0\.1$/)
    assert.deepEqual(
      sink.events.map((event) => event.type),
      ['authenticate', 'pileOnline', 'heartbeat']
    )
  })

  test('a module that sent no ICCID, or sent it after its first frame, proves nothing', async ({
    assert,
  }) => {
    const pile = await online(null)
    // Too late: the proof of a connection is fixed by its first frame.
    pile.write(ICCID)
    pile.write(encodeDeviceMessage({ physicalId: SUB_PILE, messageId: 9 }, register(2)))
    await pile.until(() => pile.of('register_ack').length === 2)

    assert.deepEqual(
      sink.claims.map((claim) => [claim.deviceKey, claim.proof]),
      [
        [KEY, { kind: 'none' }],
        [SUB_KEY, { kind: 'none' }],
      ]
    )
  })

  test('frames wait while the core decides: nothing of the pile reaches the sink before', async ({
    assert,
  }) => {
    let decide: (decision: VendorIdentityDecision) => void = () => {}
    sink.decide = () => new Promise((resolve) => (decide = resolve))
    const pile = await dial(ICCID)
    pile.send(SWIPE)
    pile.send(SETTLEMENT)
    await sink.until(() => sink.claims.length === 1)
    // Let the frames behind the register arrive and queue.
    pile.send(heartbeat([0, 0]), 50)
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(
      sink.events.map((event) => event.type),
      ['authenticate']
    )
    assert.lengthOf(pile.received, 0)

    decide({ outcome: 'unproven', registered: true })
    await pile.until(() => pile.of('heartbeat_ack').length === 1)
    assert.deepEqual(
      sink.events.map((event) => event.type),
      ['authenticate', 'pileOnline', 'cardSwiped', 'chargeEnded', 'heartbeat']
    )
  })

  for (const [name, iccid] of [
    ['without an ICCID', null],
    ['with another ICCID', OTHER_ICCID],
  ] as const) {
    test(`an impostor ${name} cannot take over, read commands, charge or knock the pile offline`, async ({
      assert,
    }) => {
      sink.identities.set(KEY, ICCID)
      const real = await online(ICCID)
      const impostor = await dial(iccid)
      impostor.send(SWIPE)
      impostor.send(SETTLEMENT)
      await impostor.until(() => impostor.closed)

      assert.deepEqual(sink.claims[1].proof, iccid ? { kind: 'iccid', iccid } : { kind: 'none' })
      assert.lengthOf(sink.of('pileOnline'), 1)
      assert.lengthOf(sink.of('cardSwiped'), 0)
      assert.lengthOf(sink.of('chargeEnded'), 0)
      await assertStillServes(assert, real)
      assert.lengthOf(impostor.received, 0)
      assert.lengthOf(sink.of('pileOffline'), 0)
    })
  }

  test('an unproven connection never replaces an authenticated one', async ({ assert }) => {
    // A tenant that lets legacy piles in unproven: only the bound ICCID is authenticated.
    sink.decide = async (claim) =>
      claim.proof.kind === 'iccid' && claim.proof.iccid === ICCID
        ? { outcome: 'authenticated' }
        : { outcome: 'unproven', registered: true }
    const real = await online(ICCID)
    const impostor = await dial(null)
    impostor.send(SWIPE)
    await impostor.until(() => impostor.closed)

    assert.lengthOf(sink.of('pileOnline'), 1)
    assert.lengthOf(sink.of('cardSwiped'), 0)
    await assertStillServes(assert, real)
    assert.lengthOf(impostor.received, 0)
    assert.lengthOf(sink.of('pileOffline'), 0)
  })

  test('with the bound ICCID a new connection takes the pile over as a reconnect', async ({
    assert,
  }) => {
    sink.identities.set(KEY, ICCID)
    // The old connection is half-open: the module dialled in again from a new one.
    const stale = await online(ICCID)
    const fresh = await online(ICCID)
    await stale.until(() => stale.closed)

    await assertStillServes(assert, fresh)
    assert.lengthOf(stale.of('reboot'), 0)
    assert.lengthOf(sink.of('pileOnline'), 2)
    assert.lengthOf(sink.of('pileOffline'), 0)
  })

  test('two unproven connections: the newer replaces the older (a legacy pile reconnecting)', async ({
    assert,
  }) => {
    const stale = await online(null)
    const fresh = await online(null)
    await stale.until(() => stale.closed)
    await assertStillServes(assert, fresh)
    assert.lengthOf(sink.of('pileOffline'), 0)
  })

  test('each new physical id on a connection is asked for again; a refused one closes it', async ({
    assert,
  }) => {
    sink.identities.set(KEY, ICCID)
    const host = await online(ICCID)
    // A sub-pile of the host module: asked for with the same ICCID, let in.
    host.write(encodeDeviceMessage({ physicalId: SUB_PILE, messageId: 20 }, register(2)))
    await host.until(() => host.of('register_ack').length === 2)
    assert.sameMembers(adapter.connected(), [KEY, SUB_KEY])

    // A pile bound to another module's SIM: refused, and the connection with it.
    sink.identities.set('04CEAA42', OTHER_ICCID)
    host.write(encodeDeviceMessage({ physicalId: 0x04ceaa42, messageId: 21 }, register(2)))
    await host.until(() => host.closed)
    assert.deepEqual(
      sink.claims.map((claim) => claim.deviceKey),
      [KEY, SUB_KEY, '04CEAA42']
    )
    assert.isTrue(sink.claims.every((claim) => claim.proof.kind === 'iccid'))
    assert.lengthOf(
      sink.of('pileOnline').filter((event) => event.report.deviceKey === '04CEAA42'),
      0
    )
  })

  test('a core that fails to answer closes that connection only', async ({ assert }) => {
    let failures = 1
    sink.decide = async () => {
      if (failures-- > 0) throw new Error('database down')
      return { outcome: 'unproven', registered: true }
    }
    const first = await dial(ICCID)
    await first.until(() => first.closed)
    const second = await online(ICCID)
    assert.isFalse(second.closed)
    assert.deepEqual(adapter.connected(), [KEY])
  })
})
