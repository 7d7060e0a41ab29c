import net from 'node:net'
import { test } from '@japa/runner'
import { ThrottledLog } from '#sdk/device_edge'
import { recordingLogger } from '#sdk/testing/context'
import { parseProxyHeader, ProxyHeaderReader, type PeerAddress } from '#sdk/proxy_protocol'

/*
| The headers below are what HAProxy 2.6 (Debian's) sent with send-proxy-v2
| and send-proxy, captured from clients bound to 127.0.0.2, 127.0.0.3 and
| ::1; LOCAL is what its health checks send.
*/
const hex = (text: string) => Buffer.from(text, 'hex')
const V2_TCP4 = hex('0d0a0d0a000d0a515549540a2111000c7f0000027f000001b0e1b02d')
const V2_TCP6 = hex(
  '0d0a0d0a000d0a515549540a21210024' +
    '00000000000000000000000000000001' +
    '00000000000000000000000000000001' +
    '8965b02d'
)
const V2_LOCAL = hex('0d0a0d0a000d0a515549540a20000000')
const V1_TCP4 = Buffer.from('PROXY TCP4 127.0.0.3 127.0.0.1 43649 45102\r\n', 'latin1')
const V1_TCP6 = Buffer.from('PROXY TCP6 ::1 ::1 37719 45102\r\n', 'latin1')
/** A DNY frame's start and an MQTT CONNECT's: bytes that must reach the protocol intact. */
const PROTOCOL_BYTES = Buffer.from([0x44, 0x4e, 0x59, 0x00, 0x10, 0x0d, 0x0a, 0x00, 0xff])

test.group('Plugin kit: PROXY protocol header parsing', () => {
  test('HAProxy v1 and v2 headers give the pile address and the header length', ({ assert }) => {
    const cases: [Buffer, PeerAddress | null][] = [
      [V2_TCP4, { address: '127.0.0.2', port: 45281 }],
      [V2_TCP6, { address: '::1', port: 35173 }],
      [V2_LOCAL, null],
      [V1_TCP4, { address: '127.0.0.3', port: 43649 }],
      [V1_TCP6, { address: '::1', port: 37719 }],
      [Buffer.from('PROXY UNKNOWN\r\n'), null],
    ]
    for (const [header, source] of cases) {
      const parsed = parseProxyHeader(Buffer.concat([header, PROTOCOL_BYTES]))
      assert.deepEqual(parsed, { status: 'complete', length: header.length, source })
    }
  })

  test('a header cut anywhere is incomplete, not wrong', ({ assert }) => {
    for (const header of [V2_TCP4, V2_TCP6, V2_LOCAL, V1_TCP4, V1_TCP6]) {
      for (let cut = 1; cut < header.length; cut++) {
        assert.deepEqual(parseProxyHeader(header.subarray(0, cut)), { status: 'incomplete' })
      }
    }
  })

  test('IPv6 addresses are spelled as Node spells a socket address', ({ assert }) => {
    const text = (line: string) => parseProxyHeader(Buffer.from(line))
    assert.deepInclude(text('PROXY TCP6 2001:db8:0:0:0:0:0:1 ::1 1 2\r\n'), {
      source: { address: '2001:db8::1', port: 1 },
    })
    assert.deepInclude(text('PROXY TCP6 ::FFFF:10.0.0.7 ::1 1 2\r\n'), {
      source: { address: '10.0.0.7', port: 1 },
    })
  })

  test('malformed, foreign or oversized headers are invalid', ({ assert }) => {
    const v2 = (versionCommand: number, family: number, block: Buffer) => {
      const fixed = Buffer.alloc(4)
      fixed.writeUInt8(versionCommand, 0)
      fixed.writeUInt8(family, 1)
      fixed.writeUInt16BE(block.length, 2)
      return Buffer.concat([V2_TCP4.subarray(0, 12), fixed, block])
    }
    const invalid = {
      'no_header': Buffer.from('DNY\x10\x00'),
      'no_header ': Buffer.from('GET /ocpp/CB1 HTTP/1.1\r\n'),
      'v1_too_long': Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`),
      'v1_fields': Buffer.from('PROXY TCP4 127.0.0.1 127.0.0.1 1\r\n'),
      'v1_address': Buffer.from('PROXY TCP4 ::1 127.0.0.1 1 2\r\n'),
      'v1_address ': Buffer.from('PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n'),
      'v1_address  ': Buffer.from('PROXY UDP4 127.0.0.1 127.0.0.1 1 2\r\n'),
      'v1_port': Buffer.from('PROXY TCP4 127.0.0.1 127.0.0.1 65536 2\r\n'),
      'v1_port ': Buffer.from('PROXY TCP4 127.0.0.1 127.0.0.1 -1 2\r\n'),
      'v2_version': v2(0x11, 0x11, Buffer.alloc(12)),
      'v2_command': v2(0x22, 0x11, Buffer.alloc(12)),
      'v2_too_long': v2(0x21, 0x11, Buffer.alloc(217)),
      'v2_address': v2(0x21, 0x11, Buffer.alloc(8)),
      'v2_family': v2(0x21, 0x12, Buffer.alloc(12)),
      'v2_family ': v2(0x21, 0x31, Buffer.alloc(216)),
    }
    for (const [reason, bytes] of Object.entries(invalid)) {
      assert.deepEqual(
        parseProxyHeader(bytes),
        { status: 'invalid', reason: reason.trim() },
        reason
      )
    }
  })
})

/** A listener whose sockets go through the reader; what it handed on, and its log lines. */
async function listener(timeoutMs = 5_000) {
  const { logger, lines } = recordingLogger()
  const reader = new ProxyHeaderReader({
    log: new ThrottledLog(logger, 0),
    label: 'test',
    maxPending: 2,
    timeoutMs,
  })
  const handed: { peer: PeerAddress; received: Promise<Buffer> }[] = []
  const server = net.createServer((socket) =>
    reader.accept(socket, (peer) => {
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      handed.push({
        peer,
        received: new Promise((resolve) => socket.on('end', () => resolve(Buffer.concat(chunks)))),
      })
      socket.on('end', () => socket.end())
    })
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    reader,
    handed,
    lines,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

async function connect(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1' })
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { socket, closed }
}

async function until(check: () => boolean) {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

test.group('Plugin kit: PROXY protocol on a socket', () => {
  test('a header in pieces, then protocol bytes: the address, and the bytes intact', async ({
    assert,
    cleanup,
  }) => {
    const server = await listener()
    cleanup(server.close)
    for (const header of [V2_TCP4, V1_TCP4, V2_LOCAL]) {
      const { socket } = await connect(server.port)
      const bytes = Buffer.concat([header, PROTOCOL_BYTES])
      // Cut inside the header and inside the protocol bytes, each piece on its own.
      for (const [from, to] of [
        [0, 3],
        [3, header.length - 1],
        [header.length - 1, header.length + 2],
        [header.length + 2, bytes.length],
      ]) {
        socket.write(bytes.subarray(from, to))
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      socket.end()
    }
    await until(() => server.handed.length === 3)
    const peers = server.handed.map((entry) => entry.peer)
    assert.deepEqual(peers.slice(0, 2), [
      { address: '127.0.0.2', port: 45281 },
      { address: '127.0.0.3', port: 43649 },
    ])
    // LOCAL (HAProxy's health check): the connection's own address.
    assert.equal(peers[2].address, '127.0.0.1')
    for (const entry of server.handed) {
      assert.deepEqual(await entry.received, PROTOCOL_BYTES)
    }
    assert.deepEqual(server.lines, [])
  })

  test('a header with the protocol in the same packet hands on all the protocol', async ({
    assert,
    cleanup,
  }) => {
    const server = await listener()
    cleanup(server.close)
    const { socket } = await connect(server.port)
    socket.end(Buffer.concat([V2_TCP6, PROTOCOL_BYTES]))
    await until(() => server.handed.length === 1)
    assert.deepEqual(server.handed[0].peer, { address: '::1', port: 35173 })
    assert.deepEqual(await server.handed[0].received, PROTOCOL_BYTES)
  })

  test('malformed, oversized or missing headers close the connection, one line each', async ({
    assert,
    cleanup,
  }) => {
    const server = await listener(200)
    cleanup(server.close)
    const attempts = [
      Buffer.concat([Buffer.from('DNY'), PROTOCOL_BYTES]),
      Buffer.from(`PROXY TCP4 ${'9'.repeat(200)}\r\n`),
      Buffer.concat([V2_TCP4.subarray(0, 14), Buffer.from([0x00, 0xff])]),
    ]
    for (const bytes of attempts) {
      const { socket, closed } = await connect(server.port)
      socket.write(bytes)
      await closed
    }
    // Nothing sent in time, and a header cut short by the peer.
    const silent = await connect(server.port)
    await silent.closed
    const truncated = await connect(server.port)
    truncated.socket.end(V1_TCP4.subarray(0, 10))
    await truncated.closed
    await until(() => server.lines.length === 5)
    assert.deepEqual(
      server.lines.map((line) => line.reason),
      ['no_header', 'v1_too_long', 'v2_too_long', 'timeout', 'truncated']
    )
    assert.lengthOf(server.handed, 0)
    assert.equal(server.reader.pending, 0)
  })

  test('a connection closed before any byte (a connect-only check) is not logged', async ({
    assert,
    cleanup,
  }) => {
    const server = await listener()
    cleanup(server.close)
    const { socket, closed } = await connect(server.port)
    socket.end()
    await closed
    await until(() => server.reader.pending === 0)
    assert.deepEqual(server.lines, [])
    assert.lengthOf(server.handed, 0)
  })

  test('past maxPending connections waiting for a header, new ones are closed', async ({
    assert,
    cleanup,
  }) => {
    const server = await listener()
    cleanup(server.close)
    const waiting = [await connect(server.port), await connect(server.port)]
    cleanup(() => waiting.forEach(({ socket }) => socket.destroy()))
    await until(() => server.reader.pending === 2)
    const third = await connect(server.port)
    await third.closed
    assert.deepEqual(
      server.lines.map((line) => line.msg),
      ['test: PROXY header backlog full']
    )
    // The waiting ones still get through once their header comes.
    waiting[0].socket.end(Buffer.concat([V2_TCP4, PROTOCOL_BYTES]))
    await until(() => server.handed.length === 1)
    assert.deepEqual(await server.handed[0].received, PROTOCOL_BYTES)
  })
})
