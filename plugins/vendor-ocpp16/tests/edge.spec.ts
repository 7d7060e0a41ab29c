import { test } from '@japa/runner'
import { connect as connectTcp } from 'node:net'
import type { OcppAdapter } from '../adapter.js'
import {
  RawCharger,
  rawRequest,
  startAdapter,
  until,
  upgradeRequest,
  type RecordingSink,
} from './helpers.js'

let adapter: OcppAdapter
let sink: RecordingSink

const url = (key: string) => `${adapter.endpoint()}/${key}`
const port = () => Number(new URL(adapter.endpoint()).port)

async function restart(config: Record<string, unknown>) {
  await adapter.stop()
  ;({ adapter, sink } = await startAdapter(config))
}

/** The adapter still serves a well-behaved charger. */
async function assertServes(assert: any, key: string) {
  const charger = await RawCharger.connect(url(key))
  const [, , boot] = await charger.call('b', 'BootNotification', {
    chargePointVendor: 'ACME',
    chargePointModel: 'X',
  })
  assert.equal(boot.status, 'Accepted')
  await charger.close()
}

test.group('vendor-ocpp16 edge under hostile input', (group) => {
  group.each.setup(async () => {
    ;({ adapter, sink } = await startAdapter())
    return () => adapter.stop()
  })

  test('malformed upgrade requests are refused on their connection alone', async ({ assert }) => {
    const statusOf = async (request: string) => {
      const answer = await rawRequest(port(), request)
      return answer?.status
    }
    // Once an uncaught URIError that ended the gateway.
    assert.equal(await statusOf(upgradeRequest('/ocpp/%ZZ')), 404)
    assert.equal(await statusOf(upgradeRequest('/ocpp/%E0%A4%A')), 404)
    assert.equal(await statusOf(upgradeRequest('/ocpp/')), 404)
    assert.equal(await statusOf(upgradeRequest('/elsewhere/CB-1')), 404)
    assert.equal(await statusOf(upgradeRequest('/ocpp/CB%201')), 404)
    assert.equal(await statusOf(upgradeRequest(`/ocpp/${'A'.repeat(20_000)}`)), 431)
    assert.equal(await statusOf(upgradeRequest('/ocpp/CB-1', { 'X-Pad': 'x'.repeat(20_000) })), 431)
    assert.equal(
      await statusOf(upgradeRequest('/ocpp/CB-1', { 'Sec-WebSocket-Protocol': 'ocpp2.0.1' })),
      400
    )
    assert.equal(
      await statusOf(upgradeRequest('/ocpp/CB-1', { 'Sec-WebSocket-Protocol': '' })),
      400
    )
    assert.equal(await statusOf(upgradeRequest('/ocpp/CB-1', { 'Sec-WebSocket-Key': '' })), 400)
    assert.equal(await statusOf('\u0000\u00ff garbage\r\n\r\n'), 400)
    assert.equal(await statusOf('GET /ocpp/CB-1 HTTP/1.1\r\nHost: x\r\n\r\n'), 426)
    assert.lengthOf(sink.claims, 0)
    await assertServes(assert, 'CB-GOOD')
  })

  test('a frame over maxMessageBytes closes that connection (1009); others go on', async ({
    assert,
  }) => {
    await restart({ maxMessageBytes: 1024 })
    const big = await RawCharger.connect(url('CB-BIG'))
    const other = await RawCharger.connect(url('CB-OTHER'))
    big.sendRaw(JSON.stringify([2, 'x', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(2000) }]))
    assert.equal(await big.closed(), 1009)
    // A binary frame is refused, the session goes on.
    other.socket.send(Buffer.from([1, 2, 3]))
    const [type] = await other.call('h', 'Heartbeat', {})
    assert.equal(type, 3)
    assert.deepEqual(adapter.connected(), ['CB-OTHER'])
    await other.close()
  })

  test('broken WebSocket frames of every opcode close only their own connection', async ({
    assert,
  }) => {
    const masked = (first: number, payload: Buffer) => {
      const header =
        payload.length < 126
          ? Buffer.from([first, 0x80 | payload.length])
          : Buffer.from([first, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
      return Buffer.concat([header, Buffer.alloc(4), payload])
    }
    const broken = [
      // A continuation with nothing to continue, the reserved opcodes, RSV bits set.
      ...[0x0, 0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) =>
        masked(0x80 | opcode, Buffer.from('x'))
      ),
      masked(0xc1, Buffer.from('[]')),
      // A ping longer than a control frame may be, a fragmented ping, an unmasked text frame.
      masked(0x89, Buffer.alloc(200)),
      masked(0x09, Buffer.alloc(1)),
      Buffer.from([0x81, 0x01, 0x41]),
      // Text that is not UTF-8.
      masked(0x81, Buffer.from([0xff, 0xfe])),
    ]
    const steady = await RawCharger.connect(url('CB-STEADY'))
    for (const [index, frame] of broken.entries()) {
      const charger = await RawCharger.connect(url(`CB-W${index}`))
      ;(charger.socket as any)._socket.write(frame)
      assert.notEqual(await charger.closed(), 1000, `frame ${index}`)
    }
    const [type] = await steady.call('h', 'Heartbeat', {})
    assert.equal(type, 3)
    await steady.close()
    await assertServes(assert, 'CB-AFTER')
  })

  test('messages beyond the rate get a CALLERROR; a flood closes the connection (1008)', async ({
    assert,
  }) => {
    await restart({ messagesPerSecond: 0.1, messageBurst: 3 })
    const charger = await RawCharger.connect(url('CB-FLOOD'))
    for (const id of ['h1', 'h2', 'h3']) {
      const [type] = await charger.call(id, 'Heartbeat', {})
      assert.equal(type, 3)
    }
    const refused = await charger.call('h4', 'Heartbeat', {})
    assert.deepEqual(refused.slice(0, 3), [4, 'h4', 'GenericError'])
    for (let index = 0; index < 10; index++) charger.sendRaw('[2,"f","Heartbeat",{}]')
    assert.equal(await charger.closed(), 1008)
    // Heartbeats from h1..h3 only: nothing beyond the rate reached the core.
    assert.lengthOf(sink.of('heartbeat'), 3)
    await assertServes(assert, 'CB-FLOOD')
  })

  test('more calls waiting than maxQueuedMessages close the connection (1008)', async ({
    assert,
  }) => {
    await restart({ maxQueuedMessages: 2 })
    let release = () => {}
    const blocked = new Promise<void>((resolve) => (release = resolve))
    sink.heartbeat = async () => {
      await blocked
      return { accepted: true, heartbeatSeconds: 120 }
    }
    const charger = await RawCharger.connect(url('CB-QUEUE'))
    for (let index = 0; index < 5; index++) charger.sendRaw(`[2,"q${index}","Heartbeat",{}]`)
    assert.equal(await charger.closed(), 1008)
    release()
    await assertServes(assert, 'CB-AFTER')
  })

  test('connections beyond maxConnectionsPerIp get 503; the place comes back when one closes', async ({
    assert,
  }) => {
    await restart({ maxConnectionsPerIp: 2 })
    const first = await RawCharger.connect(url('CB-1'))
    const second = await RawCharger.connect(url('CB-2'))
    await assert.rejects(() => RawCharger.connect(url('CB-3')), 'HTTP 503')
    await first.close()
    let third: RawCharger | null = null
    await until(() => adapter.connected().length === 1)
    // The server side closes a moment after the client sees it: retry until the gate frees the place.
    const end = Date.now() + 5000
    while (!third && Date.now() < end) {
      third = await RawCharger.connect(url('CB-3')).catch(() => null)
    }
    assert.isNotNull(third)
    assert.sameMembers(adapter.connected(), ['CB-2', 'CB-3'])
    await third!.close()
    await second.close()
  })

  test('a connection flood beyond maxConnections is answered 503 and a charger gets in afterwards', async ({
    assert,
  }) => {
    await restart({ maxConnections: 5 })
    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) => RawCharger.connect(url(`CB-F${index}`)))
    )
    const held = attempts.flatMap((attempt) =>
      attempt.status === 'fulfilled' ? [attempt.value] : []
    )
    const refusals = attempts.flatMap((attempt) =>
      attempt.status === 'rejected' ? [String(attempt.reason)] : []
    )
    assert.lengthOf(held, 5)
    assert.lengthOf(refusals, 35)
    assert.isTrue(refusals.every((reason) => reason.includes('HTTP 503')))
    await Promise.all(held.map((charger) => charger.close()))
    await until(() => adapter.connected().length === 0)
    let served = false
    const end = Date.now() + 5000
    while (!served && Date.now() < end) {
      served = await assertServes(assert, 'CB-AFTER-FLOOD').then(
        () => true,
        () => false
      )
    }
    assert.isTrue(served)
  })

  test('a connection without credentials that never calls is closed after identifyTimeoutMs', async ({
    assert,
  }) => {
    await restart({ identifyTimeoutMs: 200 })
    const talking = await RawCharger.connect(url('CB-TALK'))
    await talking.call('b', 'BootNotification', { chargePointVendor: 'A', chargePointModel: 'X' })
    const silent = await RawCharger.connect(url('CB-SILENT'))
    assert.equal(await silent.closed(), 1008)
    await until(() => adapter.connected().length === 1)
    assert.equal(talking.socket.readyState, talking.socket.OPEN)
    assert.deepEqual(adapter.connected(), ['CB-TALK'])
    await talking.close()
  })

  test('a socket that never completes its upgrade request is closed after handshakeTimeoutMs', async ({
    assert,
  }) => {
    await restart({ handshakeTimeoutMs: 200 })
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connectTcp(port(), '127.0.0.1')
      socket.on('error', () => {})
      socket.on('close', () => resolve(true))
      socket.write('GET /ocpp/CB-SLOW HTTP/1.1\r\nHost: x\r\n')
    })
    assert.isTrue(closed)
    await assertServes(assert, 'CB-FAST')
  })
})
