import { test } from '@japa/runner'
import { DnyFrameDecoder, type DnyStreamItem } from '../protocol/frame_decoder.js'
import { encodeDnyFrame } from '../protocol/frame.js'
import { decodeDeviceMessage } from '../protocol/codec.js'
import {
  MessageIdCounter,
  formatPhysicalId,
  joinPhysicalId,
  parsePhysicalId,
  splitPhysicalId,
} from '../protocol/physical_id.js'
import { seededRandom } from '#sdk/simulator'
import { dnyFrame, hex } from './helpers.js'

const PILE = '3B 37 AB 04'
const HEARTBEAT = dnyFrame(PILE, 1, 0x21, '98 08 02 00 01 09 55')
const TIME_REQUEST = dnyFrame(PILE, 2, 0x22, '')
const REGISTER = dnyFrame(PILE, 3, 0x20, '7E 00 02 00 04 00 00 00')
const STREAM = Buffer.concat([HEARTBEAT, TIME_REQUEST, REGISTER])
const ICCID = '89860439101880123456'

/** What a consumer logs: frames by message id, texts, problems by reason. */
function summary(items: DnyStreamItem[]) {
  return items.map((item) => {
    if (item.kind === 'frame') return `frame ${item.frame.messageId}`
    if (item.kind === 'iccid') return `iccid ${item.iccid}`
    if (item.kind === 'link') return 'link'
    return `problem ${item.reason} ${item.dropped}`
  })
}

function feed(decoder: DnyFrameDecoder, ...chunks: Buffer[]) {
  return chunks.flatMap((chunk) => decoder.push(chunk))
}

test.group('vendor-dny protocol: stream framing', () => {
  test('a 3-frame stream cut at every split point, and at every pair of split points', ({
    assert,
  }) => {
    const expected = ['frame 1', 'frame 2', 'frame 3']
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const decoder = new DnyFrameDecoder()
      assert.deepEqual(
        summary(feed(decoder, STREAM.subarray(0, cut), STREAM.subarray(cut))),
        expected,
        `cut ${cut}`
      )
      assert.equal(decoder.buffered, 0)
    }
    for (let first = 1; first < STREAM.length; first++) {
      for (let second = first; second < STREAM.length; second++) {
        const decoder = new DnyFrameDecoder()
        const chunks = [
          STREAM.subarray(0, first),
          STREAM.subarray(first, second),
          STREAM.subarray(second),
        ]
        assert.deepEqual(summary(feed(decoder, ...chunks)), expected, `cuts ${first}, ${second}`)
      }
    }
  })

  test('byte by byte, frames come out whole and equal to what was sent', ({ assert }) => {
    const decoder = new DnyFrameDecoder()
    const items = [...STREAM].flatMap((byte) => decoder.push(Buffer.from([byte])))
    assert.deepEqual(
      items.map((item) => (item.kind === 'frame' ? item.raw : null)),
      [HEARTBEAT, TIME_REQUEST, REGISTER]
    )
  })

  test('the ICCID on connect and the "link" keep-alive are their own items, split or merged', ({
    assert,
  }) => {
    const decoder = new DnyFrameDecoder()
    assert.deepEqual(summary(decoder.push(Buffer.from(ICCID.slice(0, 7)))), [])
    assert.deepEqual(summary(decoder.push(Buffer.from(ICCID.slice(7)))), [`iccid ${ICCID}`])
    assert.deepEqual(summary(decoder.push(Buffer.from('li'))), [])
    assert.deepEqual(summary(decoder.push(Buffer.from('nk'))), ['link'])
    const merged = Buffer.concat([
      Buffer.from(`${ICCID}link`),
      HEARTBEAT,
      Buffer.from('link'),
      TIME_REQUEST,
    ])
    assert.deepEqual(summary(new DnyFrameDecoder().push(merged)), [
      `iccid ${ICCID}`,
      'link',
      'frame 1',
      'link',
      'frame 2',
    ])
  })

  test('a 19-character ICCID is taken once the next frame shows where it ends', ({ assert }) => {
    const decoder = new DnyFrameDecoder()
    assert.deepEqual(summary(decoder.push(Buffer.from(ICCID.slice(0, 19)))), [])
    assert.deepEqual(summary(decoder.push(HEARTBEAT)), [`iccid ${ICCID.slice(0, 19)}`, 'frame 1'])
  })

  test('garbage before a header is reported and skipped; the frames after it survive', ({
    assert,
  }) => {
    const garbage = hex('00 FF 13 44 4E 00 7F')
    const items = new DnyFrameDecoder().push(
      Buffer.concat([garbage, HEARTBEAT, garbage, TIME_REQUEST])
    )
    assert.deepEqual(summary(items), [
      'problem garbage 7',
      'frame 1',
      'problem garbage 7',
      'frame 2',
    ])
  })

  test('a garbage tail that may begin a header is kept until the next chunk', ({ assert }) => {
    const decoder = new DnyFrameDecoder()
    assert.deepEqual(
      summary(decoder.push(Buffer.concat([hex('00 FF'), HEARTBEAT.subarray(0, 2)]))),
      ['problem garbage 2']
    )
    assert.deepEqual(summary(decoder.push(HEARTBEAT.subarray(2))), ['frame 1'])
  })

  test('a bad checksum drops that frame only', ({ assert }) => {
    const corrupt = Buffer.from(TIME_REQUEST)
    corrupt[corrupt.length - 1] ^= 0x01
    const items = new DnyFrameDecoder().push(Buffer.concat([HEARTBEAT, corrupt, REGISTER]))
    assert.deepEqual(summary(items), [
      'frame 1',
      `problem bad_checksum ${corrupt.length}`,
      'frame 3',
    ])
  })

  test('a corrupt length resyncs on the next header instead of swallowing the frames after it', ({
    assert,
  }) => {
    const corrupt = Buffer.from(HEARTBEAT)
    corrupt.writeUInt16LE(40, 3)
    const items = new DnyFrameDecoder().push(
      Buffer.concat([corrupt, TIME_REQUEST, REGISTER, Buffer.alloc(20)])
    )
    const frames = summary(items).filter((line) => line.startsWith('frame'))
    assert.deepEqual(frames, ['frame 2', 'frame 3'])
    assert.equal(items[0].kind === 'problem' && items[0].reason, 'bad_checksum')
  })

  test('a length below the minimum and an oversized length are refused at once', ({ assert }) => {
    const tooShort = hex('44 4E 59 05 00')
    const tooLong = hex('44 4E 59 FF 7F')
    const items = new DnyFrameDecoder({ maxLength: 300 }).push(
      Buffer.concat([tooShort, HEARTBEAT, tooLong, TIME_REQUEST])
    )
    assert.deepEqual(summary(items), [
      'problem bad_length 1',
      'problem garbage 4',
      'frame 1',
      'problem oversized_length 1',
      'problem garbage 4',
      'frame 2',
    ])
  })

  test('memory stays bounded: what waits is at most one frame', ({ assert }) => {
    const decoder = new DnyFrameDecoder({ maxLength: 300, maxBufferBytes: 305 })
    const partial = hex('44 4E 59 2C 01')
    feed(decoder, partial, Buffer.alloc(250, 0xaa))
    assert.isAtMost(decoder.buffered, 305)
    const items = decoder.push(Buffer.concat([Buffer.alloc(60, 0xaa), HEARTBEAT]))
    assert.deepEqual(summary(items).slice(-1), ['frame 1'])
    assert.equal(decoder.buffered, 0)
    assert.throws(
      () => new DnyFrameDecoder({ maxLength: 300, maxBufferBytes: 100 }),
      /must hold the largest frame/
    )
  })
})

test.group('vendor-dny protocol: bounded resync', () => {
  test('past maxSkippedBytes of garbage since the last good item the decoder gives up', ({
    assert,
  }) => {
    const decoder = new DnyFrameDecoder({ maxSkippedBytes: 100 })
    // Garbage under the bound between good frames never adds up.
    for (let round = 0; round < 5; round++) {
      const items = decoder.push(Buffer.concat([Buffer.alloc(90, 0x01), HEARTBEAT]))
      assert.deepEqual(summary(items), ['problem garbage 90', 'frame 1'])
    }
    const falseHeaders = Buffer.concat(Array.from({ length: 100 }, () => hex('44 4E 59 FF FF')))
    const items = decoder.push(Buffer.concat([falseHeaders, HEARTBEAT]))
    assert.deepEqual(summary(items).slice(-1), ['problem resync_exhausted 0'])
    assert.notInclude(summary(items), 'frame 1')
    assert.isTrue(decoder.exhausted)
    assert.deepEqual(decoder.push(HEARTBEAT), [])
    assert.equal(decoder.buffered, 0)
  })
})

test.group('vendor-dny protocol: physical ids and message ids', () => {
  test('the document example: wire 40 AA CE 04 is type 04, number 13544000 under the QR code', ({
    assert,
  }) => {
    const physicalId = hex('40 AA CE 04').readUInt32LE(0)
    assert.deepEqual(splitPhysicalId(physicalId), { deviceType: 0x04, deviceNumber: 13544000 })
    assert.equal(formatPhysicalId(physicalId), '04-13544000')
    assert.equal(parsePhysicalId('04-13544000'), physicalId)
    assert.equal(joinPhysicalId({ deviceType: 0x04, deviceNumber: 13544000 }), physicalId)
    const frame = encodeDnyFrame({ physicalId, messageId: 1, command: 0x22, data: Buffer.alloc(0) })
    assert.deepEqual(frame.subarray(5, 9), hex('40 AA CE 04'))
    assert.throws(() => joinPhysicalId({ deviceType: 5, deviceNumber: 0x1000000 }), /3 bytes/)
    assert.throws(() => parsePhysicalId('13544000'), /04-13544000/)
  })

  test('message ids increase, wrap past 65535 to 1 and never use 0', ({ assert }) => {
    const counter = new MessageIdCounter(0xfffe)
    assert.deepEqual([counter.next(), counter.next(), counter.next()], [0xffff, 1, 2])
    assert.equal(new MessageIdCounter().next(), 1)
  })
})

test.group('vendor-dny protocol: fuzz', () => {
  test('random bytes never make the decoders throw or yield a frame with a wrong checksum', async ({
    assert,
  }) => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`vendor-dny fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`)
    const random = seededRandom(seed)
    const byte = () => Math.floor(random() * 256)
    const valid = [HEARTBEAT, TIME_REQUEST, REGISTER, dnyFrame(PILE, 4, 0x03, '00'.repeat(29))]
    let frames = 0
    for (let run = 0; run < 12000; run++) {
      // Random bytes, sprinkled with headers, texts and real frames so the interesting paths run too.
      const parts: Buffer[] = []
      const count = 1 + Math.floor(random() * 6)
      for (let part = 0; part < count; part++) {
        const kind = random()
        if (kind < 0.2) parts.push(valid[Math.floor(random() * valid.length)])
        else if (kind < 0.35) parts.push(Buffer.from([0x44, 0x4e, 0x59, byte(), byte() & 0x01]))
        else if (kind < 0.4) parts.push(Buffer.from(random() < 0.5 ? 'link' : ICCID))
        else parts.push(Buffer.from(Array.from({ length: Math.floor(random() * 64) }, byte)))
      }
      const stream = Buffer.concat(parts)
      const decoder = new DnyFrameDecoder({ maxLength: 300 })
      let offset = 0
      while (offset < stream.length) {
        const size = 1 + Math.floor(random() * 40)
        for (const item of decoder.push(stream.subarray(offset, offset + size))) {
          if (item.kind !== 'frame') continue
          frames++
          const sum = item.raw.subarray(0, -2).reduce((total, value) => total + value, 0) & 0xffff
          assert.equal(sum, item.raw.readUInt16LE(item.raw.length - 2), `seed ${seed}, run ${run}`)
          await decodeDeviceMessage(item.frame, { portCount: 2 })
        }
        offset += size
        assert.isAtMost(decoder.buffered, decoder.maxBufferBytes)
      }
    }
    assert.isAbove(frames, 0)
  }).timeout(60000)
})
