import { test } from '@japa/runner'
import vine from '@vinejs/vine'
import { ByteReader, ByteWriter, TruncatedBodyError } from '#sdk/bytes'
import { sum16, sum8 } from '#sdk/checksum'
import { DelimitedDecoder, LengthPrefixedDecoder } from '#sdk/frame_decoder'
import { messageCodec } from '#sdk/messages'
import { dialEndpoint, seededRandom } from '#sdk/simulator'

/*
| A made-up big-endian protocol, unlike DNY and JUY (whose own tests cover
| them): "AB" header, a 1-byte length counting the body and a sum8 trailer.
*/
const HEADER = Buffer.from('AB')

function frame(body: string) {
  const bytes = Buffer.concat([
    HEADER,
    Buffer.from([body.length + 1]),
    Buffer.from(body),
    Buffer.alloc(1),
  ])
  bytes[bytes.length - 1] = sum8(bytes, 0, bytes.length - 1)
  return bytes
}

function decoder(options: { maxSkippedBytes?: number } = {}) {
  return new LengthPrefixedDecoder<string>(
    {
      header: HEADER,
      lengthOffset: 2,
      lengthBytes: 1,
      prefixBytes: 3,
      minLength: 1,
      verify: (raw) => sum8(raw, 0, raw.length - 1) === raw[raw.length - 1],
      read: (raw) => raw.subarray(3, raw.length - 1).toString(),
    },
    { maxLength: 40, maxBufferBytes: 64, ...options }
  )
}

function kinds(items: ReturnType<ReturnType<typeof decoder>['push']>) {
  return items.map((item) =>
    item.kind === 'frame' ? `frame ${item.frame}` : `problem ${item.reason} ${item.dropped}`
  )
}

test.group('Plugin kit: byte readers and writers', () => {
  test('write and read back in either byte order', ({ assert }) => {
    for (const endian of ['le', 'be'] as const) {
      const bytes = new ByteWriter(endian)
        .u8(7)
        .u16(0x1234)
        .u32(0xdeadbeef)
        .ascii('IMEI', 6, 'imei')
        .zeros(2)
        .toBuffer()
      assert.equal(bytes.length, 1 + 2 + 4 + 6 + 2)
      assert.equal(bytes[1], endian === 'le' ? 0x34 : 0x12)
      const reader = new ByteReader(bytes, endian)
      assert.equal(reader.u8('a'), 7)
      assert.equal(reader.u16('b'), 0x1234)
      assert.equal(reader.u32('c'), 0xdeadbeef)
      assert.equal(reader.ascii('d', 6), 'IMEI')
      assert.isUndefined(reader.optional(4, () => reader.u32('e')))
      assert.equal(reader.remaining, 2)
    }
  })

  test('a read past the end names the field; values out of range throw on write', ({ assert }) => {
    const reader = new ByteReader(Buffer.from([1]))
    const error = (() => {
      try {
        reader.u16('voltage')
      } catch (thrown) {
        return thrown
      }
    })()
    assert.instanceOf(error, TruncatedBodyError)
    assert.include((error as Error).message, 'voltage')
    assert.throws(() => new ByteWriter().u8(256))
    assert.throws(() => new ByteWriter().ascii('too long', 3, 'name'), /name/)
  })

  test('byte sums keep their low 8 or 16 bits over a range', ({ assert }) => {
    const bytes = Buffer.from([0xff, 0xff, 0x02, 0x10])
    assert.equal(sum8(bytes), 0x10)
    assert.equal(sum16(bytes), 0x0210)
    assert.equal(sum8(bytes, 2, 3), 0x02)
    assert.equal(sum16(bytes, 0, 0), 0)
  })
})

test.group('Plugin kit: length-prefixed decoder', () => {
  test('frames come out whole wherever the stream is cut', ({ assert }) => {
    const stream = Buffer.concat([frame('one'), frame('two'), frame('three')])
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoding = decoder()
      const items = [
        ...decoding.push(stream.subarray(0, cut)),
        ...decoding.push(stream.subarray(cut)),
      ]
      assert.deepEqual(kinds(items), ['frame one', 'frame two', 'frame three'], `cut ${cut}`)
      assert.equal(decoding.buffered, 0)
    }
  })

  test('garbage, a false header and a bad checksum cost their own bytes only', ({ assert }) => {
    const corrupt = frame('bad')
    corrupt[corrupt.length - 1] ^= 0xff
    const items = decoder().push(
      Buffer.concat([Buffer.from('xyz'), Buffer.from([0x41, 0x42, 0xff]), corrupt, frame('ok')])
    )
    assert.deepEqual(kinds(items), [
      'problem garbage 3',
      'problem oversized_length 1',
      'problem garbage 2',
      `problem bad_checksum ${corrupt.length}`,
      'frame ok',
    ])
  })

  test('the buffer stays bounded, and endless garbage ends the stream once', ({ assert }) => {
    const decoding = decoder({ maxSkippedBytes: 100 })
    // A header whose frame never completes: held up to the bound, then dropped.
    assert.deepEqual(kinds(decoding.push(Buffer.concat([HEADER, Buffer.from([40])]))), [])
    assert.isAtMost(decoding.buffered, decoding.maxBufferBytes)
    const items = decoding.push(Buffer.alloc(300, 0x20))
    const last = items.at(-1)
    assert.equal(last?.kind === 'problem' ? last.reason : null, 'resync_exhausted')
    assert.isTrue(decoding.exhausted)
    assert.deepEqual(decoding.push(frame('late')), [])
    assert.throws(() => new LengthPrefixedDecoder({ ...decoderFormat() }, { maxLength: 300 }))
  })

  test('random bytes never throw and never grow the buffer past its bound', ({ assert }) => {
    const random = seededRandom(15)
    const decoding = decoder()
    for (let round = 0; round < 500; round++) {
      const chunk = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 50) }, () => {
          const roll = random()
          return roll < 0.2 ? HEADER[0] : roll < 0.4 ? HEADER[1] : Math.floor(random() * 256)
        })
      )
      decoding.push(chunk)
      assert.isAtMost(decoding.buffered, decoding.maxBufferBytes)
    }
  })
})

function decoderFormat() {
  return {
    header: HEADER,
    lengthOffset: 2,
    lengthBytes: 1 as const,
    prefixBytes: 3,
    minLength: 1,
    verify: () => true,
    read: (raw: Buffer) => raw.toString(),
  }
}

test.group('Plugin kit: delimited decoder', () => {
  test('lines come out whole wherever the stream is cut; empty ones are skipped', ({ assert }) => {
    const stream = Buffer.from('{"a":1}\r\n\r\n{"b":2}\r\n')
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoding = new DelimitedDecoder({ delimiter: '\r\n', maxFrameBytes: 32 })
      const items = [
        ...decoding.push(stream.subarray(0, cut)),
        ...decoding.push(stream.subarray(cut)),
      ]
      assert.deepEqual(
        items.map((item) => (item.kind === 'frame' ? item.raw.toString() : item.reason)),
        ['{"a":1}', '{"b":2}'],
        `cut ${cut}`
      )
      assert.equal(decoding.buffered, 0)
    }
  })

  test('an oversized line is dropped up to its delimiter, reported once, held bounded', ({
    assert,
  }) => {
    const decoding = new DelimitedDecoder({ delimiter: '\n', maxFrameBytes: 16 })
    const items = [
      ...decoding.push(Buffer.from('x'.repeat(40))),
      ...decoding.push(Buffer.from('y'.repeat(4000))),
    ]
    assert.deepEqual(items, [])
    assert.isAtMost(decoding.buffered, 17)
    const after = decoding.push(Buffer.from('zz\nok\n'))
    assert.deepEqual(
      after.map((item) => (item.kind === 'frame' ? item.raw.toString() : item.reason)),
      ['oversized_frame', 'ok']
    )
    assert.equal(after[0].kind === 'problem' ? after[0].dropped : null, 4042)
  })
})

test.group('Plugin kit: message tables', () => {
  const { defineMessage, messageTable } = messageCodec<{ maxPort: number }>({ endian: 'be' })
  const table = messageTable([
    defineMessage({
      command: 0x01,
      type: 'status',
      schema: vine.object({ type: vine.literal('status'), port: vine.number().min(1).max(8) }),
      read: (reader) => ({ port: reader.u16('port') }),
      write: (writer, message) => void writer.u16(message.port),
    }),
  ])

  test('a body becomes a typed message or a rejection naming the field', async ({ assert }) => {
    const { command, data } = table.encode({ type: 'status', port: 2 }, { maxPort: 8 })
    assert.deepEqual([command, [...data]], [0x01, [0x00, 0x02]])
    assert.deepEqual(await table.decode(0x01, data, { maxPort: 8 }), {
      ok: true,
      message: { type: 'status', port: 2 },
    })
    const tooShort = await table.decode(0x01, Buffer.from([0]), { maxPort: 8 })
    assert.deepInclude(tooShort, { ok: false, reason: 'truncated' })
    const invalid = await table.decode(0x01, Buffer.from([0, 9]), { maxPort: 8 })
    assert.deepInclude(invalid, { ok: false, reason: 'invalid' })
    assert.include((invalid as { detail: string }).detail, 'port')
    const unknown = await table.decode(0x7f, Buffer.alloc(0), { maxPort: 8 })
    assert.deepEqual(unknown, {
      ok: false,
      command: 0x7f,
      reason: 'unknown_command',
      detail: 'command 0x7F',
    })
  })
})

test.group('Plugin kit: simulator base', () => {
  test('a seed replays the same numbers; a wildcard endpoint is dialled locally', ({ assert }) => {
    const first = seededRandom(7)
    const second = seededRandom(7)
    const numbers = Array.from({ length: 5 }, () => first())
    assert.deepEqual(
      numbers,
      Array.from({ length: 5 }, () => second())
    )
    assert.isTrue(numbers.every((value) => value >= 0 && value < 1))
    assert.deepEqual(dialEndpoint('tcp://0.0.0.0:7001'), { host: '127.0.0.1', port: 7001 })
    assert.deepEqual(dialEndpoint('ws://piles.example.com:8080/ocpp'), {
      host: 'piles.example.com',
      port: 8080,
    })
  })
})
