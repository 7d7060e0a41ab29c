import { test } from '@japa/runner'
import { connect as tcpConnect } from 'node:net'
import mqtt from 'mqtt'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import juy from '../index.js'
import { PacketSizeGuard } from '../broker.js'
import { JuySimulator } from '../simulator.js'
import { seededRandom } from '#sdk/simulator'
import { RecordingSink, TestDevice, recordingLogger, waitFor } from './support.js'

/*
| The embedded broker as the device edge: who may sign in as a pile, what a
| signed-in pile may touch, and what hostile bytes, floods and impostors
| do (nothing beyond their own connection).
*/

const IMEI = '861197062934387'
const OTHER = '867924060525709'
const SECRET = 'pile-secret-1'

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
  sink.identities.set(IMEI, SECRET)
  await adapter.start(sink)
  const port = Number(new URL(adapter.endpoint()).port)
  return { adapter, sink, lines, port }
}

/** MQTT 3.1.1 CONNECT, by hand, for raw sockets. */
function connectPacket(clientId: string, username: string, password?: string) {
  const text = (value: string) => {
    const bytes = Buffer.from(value)
    return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes])
  }
  const flags = 0x02 | 0x80 | (password === undefined ? 0 : 0x40)
  const body = Buffer.concat([
    text('MQTT'),
    Buffer.from([4, flags, 0, 60]),
    text(clientId),
    text(username),
    ...(password === undefined ? [] : [text(password)]),
  ])
  return Buffer.concat([Buffer.from([0x10, body.length]), body])
}

function rawSocket(port: number) {
  const socket = tcpConnect(port, '127.0.0.1')
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const opened = new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  return { socket, closed, opened }
}

/** Right after a flood the listener may still be releasing places: try a few times. */
async function connectEventually(url: string, imei: string, password: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestDevice.connect(url, imei, { password, reconnectPeriod: 0 })
    } catch (error) {
      if (attempt === 20) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function closedOf(device: TestDevice) {
  return new Promise<void>((resolve) => device.client.once('close', () => resolve()))
}

test.group('vendor-juy embedded broker: who may speak for a pile', (group) => {
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

  async function device(imei: string, options: mqtt.IClientOptions = {}) {
    const connected = await TestDevice.connect(adapter.endpoint(), imei, {
      reconnectPeriod: 0,
      ...options,
    })
    devices.push(connected)
    return connected
  }

  const refusal = (options: mqtt.IClientOptions) =>
    mqtt.connectAsync(adapter.endpoint(), { reconnectPeriod: 0, ...options })

  test('a pile signs in with its IMEI and secret; the core is asked once, with the proof', async ({
    assert,
  }) => {
    const pile = await device(IMEI, { password: SECRET })
    await pile.login()
    assert.deepEqual(adapter.connected(), [IMEI])
    assert.lengthOf(sink.claims, 1)
    assert.deepInclude(sink.claims[0], {
      deviceKey: IMEI,
      proof: { kind: 'secret', secret: SECRET },
    })
    assert.isString(sink.claims[0].ip)
  })

  test('wrong or missing secrets, non-IMEI users and unbound client ids are refused at CONNECT', async ({
    assert,
  }) => {
    await assert.rejects(
      () => refusal({ clientId: IMEI, username: IMEI, password: 'guess' }),
      /Bad username or password/
    )
    await assert.rejects(
      () => refusal({ clientId: IMEI, username: IMEI }),
      /Bad username or password/
    )
    await assert.rejects(
      () => refusal({ clientId: 'someone', username: 'someone', password: 'x' }),
      /Bad username or password/
    )
    await assert.rejects(
      () => refusal({ clientId: 'pilehub-gateway-1', username: 'pilehub-gateway', password: 'x' }),
      /Bad username or password/
    )
    await assert.rejects(
      () => refusal({ clientId: `juy-${IMEI}`, username: IMEI, password: SECRET }),
      /Identifier rejected/
    )
    sink.identify = async () => ({ outcome: 'refused', reason: 'identity_changed' })
    await assert.rejects(
      () => refusal({ clientId: OTHER, username: OTHER, password: 'x' }),
      /Not authorized/
    )
    // The core failing is not a crash: the pile is told to come back later.
    sink.identify = async () => {
      throw new Error('database down')
    }
    await assert.rejects(() => refusal({ clientId: OTHER, username: OTHER }), /Server unavailable/)
    assert.deepEqual(sink.online, [])
    assert.isTrue(lines.some((line) => line.reason === 'bad_credentials'))
  })

  test('an impostor with a wrong or no secret neither takes over, nor reads commands, nor makes the pile offline', async ({
    assert,
  }) => {
    const pile = await device(IMEI, { password: SECRET })
    await pile.login()
    let dropped = false
    pile.client.once('close', () => (dropped = true))

    await assert.rejects(
      () => refusal({ clientId: IMEI, username: IMEI, password: 'wrong' }),
      /Bad username or password/
    )
    await assert.rejects(
      () => refusal({ clientId: IMEI, username: IMEI }),
      /Bad username or password/
    )
    // Even a core that let a proofless device in (a legacy tenant) cannot push a proven pile out.
    sink.identify = async (claim) =>
      claim.proof.kind === 'none'
        ? { outcome: 'unproven', registered: true }
        : { outcome: 'authenticated' }
    await assert.rejects(() => refusal({ clientId: IMEI, username: IMEI }), /Not authorized/)
    // A proven pile of its own cannot subscribe to this pile's commands.
    const other = await device(OTHER, { password: 'other-secret' })
    await assert.rejects(
      () => other.client.subscribeAsync(`JUY/S2D/${IMEI}/+/SERVER`),
      /Subscribe error/
    )

    const stop = adapter.send(IMEI, { type: 'stop', portNo: 1 })
    await waitFor(() => pile.of('stop').length === 1)
    await pile.send({ type: 'stop_reply', port: 1, orderNo: pile.of('stop')[0].orderNo, result: 1 })
    const outcome = await stop
    assert.equal(outcome.status, 'acked')
    assert.lengthOf(other.of('stop'), 0)
    assert.isFalse(dropped)
    assert.isTrue(pile.client.connected)
    assert.deepEqual(sink.offline, [])
    assert.deepEqual(adapter.connected(), [IMEI])
  }).timeout(20_000)

  test('with the right secret a second connection takes over, as a reconnect', async ({
    assert,
  }) => {
    const first = await device(IMEI, { password: SECRET })
    await first.login()
    const firstClosed = closedOf(first)
    const second = await device(IMEI, { password: SECRET })
    await firstClosed
    await second.login()
    const stop = adapter.send(IMEI, { type: 'stop', portNo: 1 })
    await waitFor(() => second.of('stop').length === 1)
    await second.send({
      type: 'stop_reply',
      port: 1,
      orderNo: second.of('stop')[0].orderNo,
      result: 1,
    })
    const outcome = await stop
    assert.equal(outcome.status, 'acked')
    assert.lengthOf(first.of('stop'), 0)
    assert.deepEqual(sink.offline, [])
    assert.deepEqual(adapter.connected(), [IMEI])
  })

  test('two legacy connections without proof: the newer replaces the older (a half-open reconnect)', async ({
    assert,
  }) => {
    const legacy = '860000000000007'
    const first = await device(legacy)
    await first.login()
    const firstClosed = closedOf(first)
    const second = await device(legacy)
    await firstClosed
    await second.login()
    assert.deepEqual(sink.offline, [])
    assert.include(adapter.connected(), legacy)
  })

  test('a signed-in pile publishes only as itself; another IMEI closes its connection', async ({
    assert,
  }) => {
    const other = await device(OTHER, { password: 'other-secret' })
    const closed = closedOf(other)
    other.client.publish(`JUY/D2S/${IMEI}/82/DEV`, Buffer.from('5AA5040082000086', 'hex'))
    await closed
    assert.deepEqual(sink.heartbeats, [])
    assert.isTrue(
      lines.some((line) => line.msg === 'vendor-juy: publish refused, connection closed')
    )
  })

  test('an unknown device may log in to wait for a claim, but its swipes never reach the core', async ({
    assert,
  }) => {
    const unknown = '869999999999999'
    sink.identify = async () => ({ outcome: 'unproven', registered: false })
    sink.accept = false
    const stranger = await device(unknown)
    await stranger.login()
    assert.equal(sink.online[0].deviceKey, unknown)
    await stranger.send({ type: 'card_auth', port: 1, cardNumber: 42, operation: 2 })
    await stranger.send({
      type: 'heartbeat',
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [0, 0],
    })
    await waitFor(() => sink.heartbeats.length === 1)
    assert.deepEqual(sink.swipes, [])
    assert.lengthOf(stranger.of('start'), 0)
  })

  test('an unknown device claimed while connected is served once the core accepts it', async ({
    assert,
  }) => {
    const unknown = '869999999999999'
    sink.identify = async () => ({ outcome: 'unproven', registered: false })
    sink.accept = false
    const stranger = await device(unknown)
    await stranger.login()
    assert.equal(stranger.of('login_reply')[0].result, 1)
    // Staff claim it: the next heartbeat is accepted, and its swipes reach the core.
    sink.accept = true
    await stranger.send({
      type: 'heartbeat',
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [0, 0],
    })
    await waitFor(() => stranger.of('heartbeat_reply').length === 1)
    await stranger.send({ type: 'card_auth', port: 1, cardNumber: 42, operation: 2 })
    await waitFor(() => stranger.of('start').length === 1)
    assert.lengthOf(sink.swipes, 1)
  })
})

test.group('vendor-juy embedded broker: hostile input', () => {
  test('the simulator signs in with its credentials and charges; without them it is refused', async ({
    assert,
    cleanup,
  }) => {
    const { adapter, sink } = await startAdapter()
    cleanup(() => adapter.stop())
    const simulate = (credentials?: Record<string, string>) =>
      new JuySimulator().run({
        endpoint: adapter.endpoint(),
        piles: 1,
        ports: 2,
        durationSeconds: 4,
        deviceKeys: [IMEI],
        credentials,
        cardNos: ['0A0B0C01'],
        speed: 600,
        seed: 7,
        logger: recordingLogger().logger,
      })
    await assert.rejects(() => simulate(), /Bad username or password/)
    const summary = await simulate({ [IMEI]: SECRET })
    assert.equal(summary.errors, 0)
    assert.isAtLeast(summary.chargesEnded, 1)
    assert.isTrue(sink.claims.some((claim) => claim.proof.kind === 'secret'))
  }).timeout(20_000)

  test('a core that fails on a message costs that message only', async ({ assert, cleanup }) => {
    const { adapter, sink, lines } = await startAdapter()
    cleanup(() => adapter.stop())
    const answering = sink.pileOnline.bind(sink)
    sink.pileOnline = async () => {
      throw new Error('database down')
    }
    const pile = await TestDevice.connect(adapter.endpoint(), IMEI, {
      password: SECRET,
      reconnectPeriod: 0,
    })
    cleanup(() => pile.close())
    await pile.send({
      type: 'login',
      imei: IMEI,
      portCount: 2,
      hardwareVersion: 'JUY_B2_Q800M_1_0',
      softwareVersion: 'JUY_B2_COMM_V1.7',
      ccid: '898604E81023C0963731',
      signal: 27,
      protocolVersion: null,
      reason: 0,
    })
    await waitFor(() => lines.some((line) => line.msg === 'vendor-juy: message not handled'))
    sink.pileOnline = answering
    await pile.login()
    assert.deepEqual(adapter.connected(), [IMEI])
  })

  test('PacketSizeGuard follows packets across chunks and stops at the first oversized one', ({
    assert,
  }) => {
    const guard = new PacketSizeGuard(100)
    const small = Buffer.concat([Buffer.from([0x30, 10]), Buffer.alloc(10)])
    assert.isTrue(guard.accept(Buffer.concat([small, small.subarray(0, 5)])))
    assert.isTrue(guard.accept(small.subarray(5)))
    // 200 as a variable-length integer: 0xC8 0x01.
    assert.isFalse(guard.accept(Buffer.from([0x30, 0xc8, 0x01])))
    assert.isFalse(new PacketSizeGuard(1 << 30).accept(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])))
  })

  test('oversized packets, long topics and random bytes close that connection only; a good pile still charges', async ({
    assert,
    cleanup,
  }) => {
    const { adapter, sink, port } = await startAdapter({ maxMessageBytes: 512 })
    cleanup(() => adapter.stop())

    // A PUBLISH announcing 1 MB after a good sign-in.
    const huge = rawSocket(port)
    await huge.opened
    huge.socket.write(connectPacket(IMEI, IMEI, SECRET))
    huge.socket.write(Buffer.from([0x30, 0xc0, 0x84, 0x3d]))
    huge.socket.write(Buffer.alloc(4096, 0x41))
    await huge.closed

    const long = await TestDevice.connect(adapter.endpoint(), OTHER, {
      password: 'x',
      reconnectPeriod: 0,
    })
    const longClosed = closedOf(long)
    long.client.publish(`JUY/D2S/${OTHER}/${'8'.repeat(60)}/DEV`, Buffer.alloc(8))
    await longClosed

    const random = seededRandom(13)
    for (let round = 0; round < 20; round++) {
      const junk = rawSocket(port)
      await junk.opened
      const bytes = Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256)))
      // Half the rounds after a real sign-in, so the bytes reach a connected client's parser.
      if (round % 2) junk.socket.write(connectPacket(OTHER, OTHER, 'x'))
      junk.socket.write(bytes)
      junk.socket.end()
      await junk.closed
    }

    const pile = await TestDevice.connect(adapter.endpoint(), IMEI, {
      password: SECRET,
      reconnectPeriod: 0,
    })
    cleanup(() => pile.close())
    await pile.login()
    await pile.send({ type: 'card_auth', port: 1, cardNumber: 42, operation: 2 })
    await waitFor(() => pile.of('start').length === 1)
    assert.lengthOf(sink.swipes, 1)
    assert.deepEqual(adapter.connected(), [IMEI])
  }).timeout(20_000)

  test('connections beyond the per-address bound are closed at once; silent ones at the sign-in timeout', async ({
    assert,
    cleanup,
  }) => {
    // The gateway's own client takes one of the four places from 127.0.0.1.
    const {
      adapter,
      sink,
      port,
      lines: logged,
    } = await startAdapter({
      maxConnectionsPerIp: 4,
      identifyTimeoutMs: 500,
    })
    cleanup(() => adapter.stop())
    const flood = Array.from({ length: 10 }, () => rawSocket(port))
    // Those let in never send CONNECT: the broker closes them too, so all ten end.
    await Promise.all(flood.map((each) => each.closed))
    assert.isTrue(logged.some((line) => line.msg === 'vendor-juy: connection refused'))

    const pile = await connectEventually(adapter.endpoint(), IMEI, SECRET)
    cleanup(() => pile.close())
    await pile.login()
    assert.lengthOf(sink.online, 1)
  }).timeout(20_000)

  test('a flood of connections over the listener bound leaves room once they go', async ({
    assert,
    cleanup,
  }) => {
    const { adapter, port, lines } = await startAdapter({ maxConnections: 3 })
    cleanup(() => adapter.stop())
    const held = Array.from({ length: 2 }, () => rawSocket(port))
    await Promise.all(held.map((each) => each.opened))
    const refused = rawSocket(port)
    await refused.closed
    await waitFor(() => lines.some((line) => line.msg === 'vendor-juy: connection refused'))
    held.forEach((each) => each.socket.destroy())
    await Promise.all(held.map((each) => each.closed))
    const pile = await connectEventually(adapter.endpoint(), IMEI, SECRET)
    cleanup(() => pile.close())
    await pile.login()
    assert.deepEqual(adapter.connected(), [IMEI])
  }).timeout(20_000)

  test('a pile over its message rate is disconnected; it comes back and is served', async ({
    assert,
    cleanup,
  }) => {
    const { adapter, sink } = await startAdapter({ messagesPerSecond: 0.1, messageBurst: 5 })
    cleanup(() => adapter.stop())
    const chatty = await TestDevice.connect(adapter.endpoint(), IMEI, {
      password: SECRET,
      reconnectPeriod: 0,
    })
    const closed = closedOf(chatty)
    const heartbeat = {
      type: 'heartbeat' as const,
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [0, 0],
    }
    // Its subscription took one token: four heartbeats fit, the fifth does not.
    for (let sent = 0; sent < 10; sent++) chatty.send(heartbeat).catch(() => {})
    await closed
    assert.isAtMost(sink.heartbeats.length, 4)

    const back = await TestDevice.connect(adapter.endpoint(), IMEI, {
      password: SECRET,
      reconnectPeriod: 0,
    })
    cleanup(() => back.close())
    await back.login()
    assert.deepEqual(adapter.connected(), [IMEI])
  }).timeout(20_000)

  test('messages beyond the queue bound while the core is slow are dropped; the pile is served after', async ({
    assert,
    cleanup,
  }) => {
    const { adapter, sink, lines } = await startAdapter({ maxQueuedMessages: 2 })
    cleanup(() => adapter.stop())
    const pile = await TestDevice.connect(adapter.endpoint(), IMEI, {
      password: SECRET,
      reconnectPeriod: 0,
    })
    cleanup(() => pile.close())
    let release = () => {}
    sink.heartbeatsHeld = new Promise<void>((resolve) => (release = resolve))
    const heartbeat = {
      type: 'heartbeat' as const,
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [0, 0],
    }
    for (let sent = 0; sent < 6; sent++) await pile.send(heartbeat)
    await waitFor(() =>
      lines.some((line) => line.msg === 'vendor-juy: message dropped, queue full')
    )
    sink.heartbeatsHeld = null
    release()
    await waitFor(() => sink.heartbeats.length === 2)
    await pile.send(heartbeat)
    await waitFor(() => sink.heartbeats.length === 3)
    await waitFor(() => pile.of('heartbeat_reply').length === 3)
    assert.lengthOf(sink.heartbeats, 3)
  })
})
