import { test } from '@japa/runner'
import { JuyFrameDecoder, type JuyStreamItem } from '../protocol/frame_decoder.js'
import { encodeJuyFrame } from '../protocol/frame.js'
import { decodeDeviceMessage } from '../protocol/codec.js'
import {
  JUY_DEVICE_TOPIC_FILTER,
  deviceTopic,
  parseDeviceTopic,
  parseServerTopic,
  readDeviceMqttFrame,
  readServerMqttFrame,
  serverTopic,
} from '../protocol/mqtt.js'
import { seededRandom } from '#sdk/simulator'
import { hex, juyFrame } from './helpers.js'

const IMEI = '867924060525709'
/** The document's login sample: it passes its sum. */
const LOGIN = hex(
  '5AA5490081003836313139373036323933343338370A4A55595F42325F513830304D5F315F304A55595F42325F434F4D4D5F56312E3738393836303445383130323343303936333733311B005F'
)
const HEARTBEAT = juyFrame(0x82, '1F 1E 0A 00 00 00 00 01 00 00 00 00 01')
const STOP_REPLY = juyFrame(0x84, '02 01000000 00')
const STREAM = Buffer.concat([LOGIN, HEARTBEAT, STOP_REPLY])

/** What a consumer logs: frames by command, problems by reason. */
function summary(items: JuyStreamItem[]) {
  return items.map((item) =>
    item.kind === 'frame'
      ? `frame ${item.frame.command.toString(16)}${item.frame.imei ? ` ${item.frame.imei}` : ''}`
      : `problem ${item.reason} ${item.dropped}`
  )
}

function feed(decoder: JuyFrameDecoder, ...chunks: Buffer[]) {
  return chunks.flatMap((chunk) => decoder.push(chunk))
}

test.group('vendor-juy protocol: TCP stream framing', () => {
  test('a 3-frame stream cut at every split point, and at every pair of split points', ({
    assert,
  }) => {
    const expected = ['frame 81', 'frame 82', 'frame 84']
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const decoder = new JuyFrameDecoder()
      assert.deepEqual(
        summary(feed(decoder, STREAM.subarray(0, cut), STREAM.subarray(cut))),
        expected,
        `cut ${cut}`
      )
      assert.equal(decoder.buffered, 0)
    }
    for (let first = 1; first < STREAM.length; first++) {
      for (let second = first; second < STREAM.length; second++) {
        const chunks = [
          STREAM.subarray(0, first),
          STREAM.subarray(first, second),
          STREAM.subarray(second),
        ]
        assert.deepEqual(
          summary(feed(new JuyFrameDecoder(), ...chunks)),
          expected,
          `cuts ${first}, ${second}`
        )
      }
    }
  })

  test('byte by byte, frames come out whole and equal to what was sent', ({ assert }) => {
    const decoder = new JuyFrameDecoder()
    const items = [...STREAM].flatMap((byte) => decoder.push(Buffer.from([byte])))
    assert.deepEqual(
      items.map((item) => (item.kind === 'frame' ? item.raw : null)),
      [LOGIN, HEARTBEAT, STOP_REPLY]
    )
    const first = items[1]
    assert.deepEqual(first.kind === 'frame' && first.frame, {
      command: 0x82,
      result: 0,
      imei: null,
      data: hex('1F 1E 0A 00 00 00 00 01 00 00 00 00 01'),
    })
  })

  test('garbage before a header is reported and skipped; the frames after it survive', ({
    assert,
  }) => {
    const garbage = hex('00 FF 5A 13 A5 5A 00 7F')
    const items = new JuyFrameDecoder().push(
      Buffer.concat([garbage, HEARTBEAT, garbage, STOP_REPLY])
    )
    assert.deepEqual(summary(items), [
      'problem garbage 8',
      'frame 82',
      'problem garbage 8',
      'frame 84',
    ])
  })

  test('a trailing 5A that may begin a header is kept until the next chunk', ({ assert }) => {
    const decoder = new JuyFrameDecoder()
    assert.deepEqual(
      summary(decoder.push(Buffer.concat([hex('00 FF'), HEARTBEAT.subarray(0, 1)]))),
      ['problem garbage 2']
    )
    assert.equal(decoder.buffered, 1)
    assert.deepEqual(summary(decoder.push(HEARTBEAT.subarray(1))), ['frame 82'])
  })

  test('a bad checksum drops that frame only', ({ assert }) => {
    const corrupt = Buffer.from(HEARTBEAT)
    corrupt[corrupt.length - 1] ^= 0x01
    const items = new JuyFrameDecoder().push(Buffer.concat([LOGIN, corrupt, STOP_REPLY]))
    assert.deepEqual(summary(items), [
      'frame 81',
      `problem bad_checksum ${corrupt.length}`,
      'frame 84',
    ])
  })

  test('the published heartbeat with IMEI, one byte too long for its length, is refused alone', ({
    assert,
  }) => {
    const published = hex(
      '5A A5 21 00 82 00 383637393234303630353235373039 0E 22 0C 00 00 00 00 00 00 00 00 00 00 00 00 00 F6'
    )
    const items = new JuyFrameDecoder({ imeiHeader: true }).push(
      Buffer.concat([published, juyFrame(0x84, '02 01000000 00', { imei: IMEI })])
    )
    assert.deepEqual(summary(items).slice(-1), [`frame 84 ${IMEI}`])
    assert.equal(items[0].kind === 'problem' && items[0].reason, 'bad_checksum')
  })

  test('a corrupt length resyncs on the next header instead of swallowing the frames after it', ({
    assert,
  }) => {
    const corrupt = Buffer.from(HEARTBEAT)
    corrupt.writeUInt16LE(40, 2)
    const items = new JuyFrameDecoder().push(
      Buffer.concat([corrupt, STOP_REPLY, LOGIN, Buffer.alloc(40)])
    )
    const frames = summary(items).filter((line) => line.startsWith('frame'))
    assert.deepEqual(frames, ['frame 84', 'frame 81'])
    assert.equal(items[0].kind === 'problem' && items[0].reason, 'bad_checksum')
  })

  test('a length below the minimum and an oversized length are refused at once', ({ assert }) => {
    const tooShort = hex('5A A5 02 00')
    const tooLong = hex('5A A5 FF 7F')
    const items = new JuyFrameDecoder({ maxLength: 300 }).push(
      Buffer.concat([tooShort, HEARTBEAT, tooLong, STOP_REPLY])
    )
    assert.deepEqual(summary(items), [
      'problem bad_length 1',
      'problem garbage 3',
      'frame 82',
      'problem oversized_length 1',
      'problem garbage 3',
      'frame 84',
    ])
  })

  test('memory stays bounded: what waits is at most one frame', ({ assert }) => {
    const decoder = new JuyFrameDecoder({ maxLength: 300, maxBufferBytes: 304 })
    feed(decoder, hex('5A A5 2C 01'), Buffer.alloc(250, 0xaa))
    assert.isAtMost(decoder.buffered, 304)
    const items = decoder.push(Buffer.concat([Buffer.alloc(60, 0xaa), HEARTBEAT]))
    assert.deepEqual(summary(items).slice(-1), ['frame 82'])
    assert.equal(decoder.buffered, 0)
    assert.throws(
      () => new JuyFrameDecoder({ maxLength: 300, maxBufferBytes: 100 }),
      /must hold the largest frame/
    )
  })

  test('after the F0 login reply every frame but 0x81 carries the IMEI; a frame without it is refused', ({
    assert,
  }) => {
    const decoder = new JuyFrameDecoder()
    assert.deepEqual(summary(decoder.push(LOGIN)), ['frame 81'])
    decoder.imeiHeader = true
    const withImei = juyFrame(0x82, '0E 22 02 00 01', { imei: IMEI })
    const items = decoder.push(Buffer.concat([withImei, HEARTBEAT, LOGIN]))
    assert.deepEqual(summary(items), [
      `frame 82 ${IMEI}`,
      `problem bad_imei ${HEARTBEAT.length}`,
      'frame 81',
    ])
    const frame = items[0].kind === 'frame' && items[0].frame
    assert.deepEqual(frame && frame.data, hex('0E 22 02 00 01'))
    assert.deepEqual(
      encodeJuyFrame({ command: 0x82, result: 0, imei: IMEI, data: hex('0E 22 02 00 01') }),
      withImei
    )
    assert.throws(
      () => encodeJuyFrame({ command: 0x81, result: 0, imei: IMEI, data: Buffer.alloc(0) }),
      /never carries the IMEI/
    )
  })
})

test.group('vendor-juy protocol: MQTT topics and frames', () => {
  test('topics name the IMEI and the command; hex by default, the other spellings on request', ({
    assert,
  }) => {
    assert.equal(deviceTopic(IMEI, 0x82), `JUY/D2S/${IMEI}/82/DEV`)
    assert.equal(serverTopic(IMEI, 0x8a), `JUY/S2D/${IMEI}/8A/SERVER`)
    assert.equal(
      serverTopic(IMEI, 0x83, { commandFormat: 'hex_prefixed' }),
      `JUY/S2D/${IMEI}/0x83/SERVER`
    )
    assert.equal(deviceTopic(IMEI, 0x81, { commandFormat: 'decimal' }), `JUY/D2S/${IMEI}/129/DEV`)
    assert.deepEqual(parseDeviceTopic(`JUY/D2S/${IMEI}/8a/DEV`), { imei: IMEI, command: 0x8a })
    assert.deepEqual(
      parseServerTopic(`JUY/S2D/${IMEI}/0x83/SERVER`, { commandFormat: 'hex_prefixed' }),
      {
        imei: IMEI,
        command: 0x83,
      }
    )
    assert.deepEqual(parseDeviceTopic(`JUY/D2S/${IMEI}/129/DEV`, { commandFormat: 'decimal' }), {
      imei: IMEI,
      command: 0x81,
    })
    assert.equal(JUY_DEVICE_TOPIC_FILTER, 'JUY/D2S/+/+/DEV')
    for (const wrong of [
      `JUY/S2D/${IMEI}/82/DEV`,
      `JUY/D2S/${IMEI}/82/SERVER`,
      `JUY/D2S/86792406052570/82/DEV`,
      `JUY/D2S/${IMEI}/820/DEV`,
      `JUY/D2S/${IMEI}/0x82/DEV`,
      `JUY/D2S/${IMEI}/82/DEV/extra`,
    ]) {
      assert.isNull(parseDeviceTopic(wrong), wrong)
    }
    assert.isNull(parseDeviceTopic(`JUY/D2S/${IMEI}/256/DEV`, { commandFormat: 'decimal' }))
    assert.throws(() => deviceTopic('12345', 0x82), /15 digits/)
    assert.throws(() => deviceTopic(IMEI, 0x100), /one byte/)
  })

  test('one message is one frame: IMEI from the topic, CMD checked against it', ({ assert }) => {
    const topic = deviceTopic(IMEI, 0x82)
    assert.deepEqual(readDeviceMqttFrame(topic, HEARTBEAT), {
      ok: true,
      frame: {
        command: 0x82,
        result: 0,
        imei: IMEI,
        data: hex('1F 1E 0A 00 00 00 00 01 00 00 00 00 01'),
      },
    })
    const reply = hex('5A A5 04 00 82 00 00 86')
    assert.isTrue(readServerMqttFrame(serverTopic(IMEI, 0x82), reply).ok)
    const reason = (topicText: string, payload: Buffer) => {
      const result = readDeviceMqttFrame(topicText, payload)
      return result.ok ? 'ok' : result.reason
    }
    assert.equal(reason(deviceTopic(IMEI, 0x84), HEARTBEAT), 'command_mismatch')
    assert.equal(reason('JUY/D2S/x/82/DEV', HEARTBEAT), 'bad_topic')
    assert.equal(reason(topic, HEARTBEAT.subarray(1)), 'bad_header')
    assert.equal(reason(topic, Buffer.concat([HEARTBEAT, hex('00')])), 'bad_length')
    assert.equal(reason(topic, HEARTBEAT.subarray(0, -1)), 'bad_length')
    assert.equal(reason(topic, hex('5A A5 FF FF 82 00 00')), 'oversized_length')
    const corrupt = Buffer.from(HEARTBEAT)
    corrupt[6] ^= 0x10
    assert.equal(reason(topic, corrupt), 'bad_checksum')
  })
})

test.group('vendor-juy protocol: fuzz', () => {
  test('random bytes never make the decoders throw or yield a frame with a wrong checksum', async ({
    assert,
  }) => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`vendor-juy fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`)
    const random = seededRandom(seed)
    const byte = () => Math.floor(random() * 256)
    const valid = [
      LOGIN,
      HEARTBEAT,
      STOP_REPLY,
      juyFrame(0x85, '01 01000000 E8030000 10000000 0A000000 00 0F00 00000000 00' + '00'.repeat(8)),
      juyFrame(0x82, '0E 22 02 00 01', { imei: IMEI }),
    ]
    let frames = 0
    for (let run = 0; run < 12000; run++) {
      // Random bytes, sprinkled with headers and real frames so the interesting paths run too.
      const parts: Buffer[] = []
      const count = 1 + Math.floor(random() * 6)
      for (let part = 0; part < count; part++) {
        const kind = random()
        if (kind < 0.25) parts.push(valid[Math.floor(random() * valid.length)])
        else if (kind < 0.45) parts.push(Buffer.from([0x5a, 0xa5, byte(), byte() & 0x01]))
        else parts.push(Buffer.from(Array.from({ length: Math.floor(random() * 64) }, byte)))
      }
      const stream = Buffer.concat(parts)
      const decoder = new JuyFrameDecoder({ maxLength: 300, imeiHeader: random() < 0.3 })
      let offset = 0
      while (offset < stream.length) {
        const size = 1 + Math.floor(random() * 40)
        for (const item of decoder.push(stream.subarray(offset, offset + size))) {
          if (item.kind !== 'frame') continue
          frames++
          const sum = item.raw.subarray(2, -1).reduce((total, value) => total + value, 0) & 0xff
          assert.equal(sum, item.raw[item.raw.length - 1], `seed ${seed}, run ${run}`)
          await decodeDeviceMessage(item.frame, { portCount: 10 })
        }
        offset += size
        assert.isAtMost(decoder.buffered, decoder.maxBufferBytes)
      }
      // The same bytes as one MQTT payload: refused or one frame with a good sum, never a throw.
      const result = readDeviceMqttFrame(deviceTopic(IMEI, stream[4] ?? 0), stream)
      if (result.ok) {
        const sum = stream.subarray(2, -1).reduce((total, value) => total + value, 0) & 0xff
        assert.equal(sum, stream[stream.length - 1], `seed ${seed}, run ${run} (MQTT)`)
        await decodeDeviceMessage(result.frame)
      }
    }
    assert.isAbove(frames, 0)
  }).timeout(60000)
})
