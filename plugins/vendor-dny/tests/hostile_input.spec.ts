import { test } from '@japa/runner'
import { testLogger } from '#sdk/testing/context'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import vendorDny from '../index.js'
import { encodeDnyFrame } from '../protocol/frame.js'
import { heartbeat, RawPile, register } from './raw_pile.js'
import { RecordingSink } from './recording_sink.js'
import { seededRandom } from '#sdk/simulator'

const logger = testLogger()

const PILE = 0x04ceaa40
const KEY = '04CEAA40'
const ICCID = '89860439101880123456'

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

test.group('vendor-dny hostile input: bounded, refused on that connection alone', (group) => {
  let adapter: VendorAdapter
  let sink: RecordingSink
  const piles: RawPile[] = []
  const rejections: unknown[] = []
  const onRejection = (reason: unknown) => rejections.push(reason)

  group.each.setup(() => {
    rejections.length = 0
    process.on('unhandledRejection', onRejection)
    return () => {
      process.off('unhandledRejection', onRejection)
    }
  })
  group.each.teardown(async () => {
    for (const pile of piles.splice(0)) pile.close()
    await adapter.stop()
  })

  async function connect() {
    const pile = await RawPile.connect(adapter.endpoint(), PILE)
    piles.push(pile)
    return pile
  }

  /** After the attack: a real pile still logs in and is answered. */
  async function assertGoodPileServed(assert: any) {
    const pile = await connect()
    pile.write(ICCID)
    pile.send(register(2))
    pile.send(heartbeat([0, 0]))
    await pile.until(() => pile.of('heartbeat_ack').length === 1)
    assert.include(adapter.connected(), KEY)
    assert.deepEqual(rejections, [])
  }

  test('connections over the per-address limit are refused; the next pile gets in', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter({ maxConnectionsPerIp: 2 }))
    const held = [await connect(), await connect()]
    const third = await connect()
    await third.until(() => third.closed)
    assert.isFalse(held[0].closed)
    assert.isFalse(held[1].closed)
    held[0].close()
    // The place is free once the server has seen the close: a pile dials until let in.
    for (let attempt = 0; ; attempt++) {
      const pile = await connect()
      pile.write(ICCID)
      pile.send(register(2))
      await pile.until(() => pile.closed || pile.of('register_ack').length === 1)
      if (!pile.closed) break
      assert.isBelow(attempt, 50)
    }
    assert.deepEqual(adapter.connected(), [KEY])
  })

  test('a connection that names no pile in time is closed, ICCID and link texts notwithstanding', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter({ identifyTimeoutMs: 400 }))
    const idle = await connect()
    idle.write(ICCID)
    const keepAlive = setInterval(() => idle.write('link'), 50)
    try {
      await idle.until(() => idle.closed)
    } finally {
      clearInterval(keepAlive)
    }
    assert.lengthOf(sink.claims, 0)
    await assertGoodPileServed(assert)
  })

  test('garbage and floods of false headers close the connection: resync is bounded', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter())
    const random = seededRandom(13)
    const garbage = await connect()
    // No "DNY" in it: all of it is garbage.
    garbage.write(Buffer.from(Array.from({ length: 20_000 }, () => Math.floor(random() * 0x40))))
    const headers = await connect()
    // Headers with impossible lengths, one after another.
    headers.write(
      Buffer.concat(Array.from({ length: 4000 }, () => Buffer.from('444E59FFFF', 'hex')))
    )
    await garbage.until(() => garbage.closed)
    await headers.until(() => headers.closed)
    assert.lengthOf(sink.claims, 0)
    await assertGoodPileServed(assert)
  })

  test('a frame longer than maxMessageBytes is not taken; the connection goes on', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter({ maxMessageBytes: 300 }))
    const pile = await connect()
    pile.write(ICCID)
    pile.send(register(2))
    await pile.until(() => pile.of('register_ack').length === 1)
    const huge = encodeDnyFrame({
      physicalId: PILE,
      messageId: 30,
      command: 0x02,
      data: Buffer.alloc(400, 0x11),
    })
    pile.write(huge)
    pile.send(heartbeat([0, 0]), 31)
    await pile.until(() => pile.of('heartbeat_ack').length === 1)
    assert.lengthOf(sink.of('cardSwiped'), 0)
    assert.isFalse(pile.closed)
  })

  test('a connection over its message rate is closed before the flood reaches the core', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter({ messagesPerSecond: 1, messageBurst: 10 }))
    const flood = await connect()
    flood.write(
      Buffer.concat([
        Buffer.from(ICCID),
        flood.frame(register(2)),
        ...Array.from({ length: 200 }, () => flood.frame(heartbeat([0, 0]))),
      ])
    )
    await flood.until(() => flood.closed)
    assert.isAtMost(sink.of('heartbeat').length, 10)
    await assertGoodPileServed(assert)
  })

  test('a connection whose queue of frames is full is closed', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter({
      maxQueuedMessages: 5,
      messagesPerSecond: 1000,
      messageBurst: 1000,
    }))
    // A core that does not answer: the frames behind the identity check queue up.
    let release: () => void = () => {}
    const slow = new Promise<void>((resolve) => (release = resolve))
    const decide = sink.decide
    sink.decide = async (claim) => {
      await slow
      return decide(claim)
    }
    const flood = await connect()
    flood.write(
      Buffer.concat([
        flood.frame(register(2)),
        ...Array.from({ length: 20 }, () => flood.frame(heartbeat([0, 0]))),
      ])
    )
    await flood.until(() => flood.closed)
    release()
    sink.decide = decide
    assert.lengthOf(sink.of('heartbeat'), 0)
    await assertGoodPileServed(assert)
  })

  test('random bytes and malformed frames from many connections end nothing but themselves', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter({ identifyTimeoutMs: 1000 }))
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`vendor-dny hostile seed: ${seed} (replay with FUZZ_SEED=${seed})`)
    const random = seededRandom(seed)
    const byte = () => Math.floor(random() * 256)
    const attackers = await Promise.all(Array.from({ length: 20 }, () => connect()))
    for (const attacker of attackers) {
      const parts: Buffer[] = []
      for (let part = 0; part < 40; part++) {
        const kind = random()
        if (kind < 0.3) parts.push(Buffer.from([0x44, 0x4e, 0x59, byte(), byte()]))
        else if (kind < 0.5) {
          // A frame with a valid checksum and random contents.
          const data = Buffer.from(Array.from({ length: Math.floor(random() * 60) }, byte))
          parts.push(
            encodeDnyFrame({
              physicalId: ((byte() << 24) | 0xabcd) >>> 0,
              messageId: byte(),
              command: byte(),
              data,
            })
          )
        } else parts.push(Buffer.from(Array.from({ length: Math.floor(random() * 300) }, byte)))
      }
      attacker.write(Buffer.concat(parts))
    }
    // Some random frames name a pile and are let in unproven: they leave, as piles do.
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (const attacker of attackers) attacker.close()
    await sink.until(() => adapter.connected().length === 0, 10_000)
    await assertGoodPileServed(assert)
  }).timeout(30_000)
})
