import { test } from '@japa/runner'
import fc from 'fast-check'
import { DNY_COMMANDS } from '../../plugins/vendor-dny/protocol/codes.js'
import { decodeDeviceMessage as decodeDny } from '../../plugins/vendor-dny/protocol/codec.js'
import { encodeDnyFrame, readDnyFrame } from '../../plugins/vendor-dny/protocol/frame.js'
import { DnyFrameDecoder } from '../../plugins/vendor-dny/protocol/frame_decoder.js'
import { JUY_COMMANDS } from '../../plugins/vendor-juy/protocol/codes.js'
import { decodeDeviceMessage as decodeJuy } from '../../plugins/vendor-juy/protocol/codec.js'
import { encodeJuyFrame } from '../../plugins/vendor-juy/protocol/frame.js'
import { JuyFrameDecoder } from '../../plugins/vendor-juy/protocol/frame_decoder.js'
import { readDeviceMqttFrame } from '../../plugins/vendor-juy/protocol/mqtt.js'
import {
  OcppCallError,
  OcppFrameError,
  parseFrame,
} from '../../plugins/vendor-ocpp16/protocol/frames.js'
import { chargePointCalls, validateRequest } from '../../plugins/vendor-ocpp16/protocol/messages.js'

/*
| Bad input drill (issue 8) for the vendor decoders: whatever bytes a pile,
| a broken modem or an attacker sends, decoding answers with frames, typed
| refusals or problem items, and never throws. fast-check prints the seed
| and the shrunk input of a failure; FUZZ_RUNS raises the run count.
*/

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const bytes = (maxLength: number) => fc.uint8Array({ maxLength })

/** Splits `data` at `cuts` positions, as TCP may deliver it. */
function chunks(data: Uint8Array, cuts: number[]) {
  const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b)
  const parts: Uint8Array[] = []
  let from = 0
  for (const point of [...points, data.length]) {
    parts.push(data.subarray(from, point))
    from = point
  }
  return parts
}

/** `data` with a few bytes overwritten, dropped or inserted. */
const mutated = (data: Uint8Array) =>
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 })), {
      maxLength: 4,
    })
    .map((edits) => {
      const out = [...data]
      for (const [at, kind, value] of edits) {
        const index = out.length ? at % out.length : 0
        if (kind === 0 && out.length) out[index] = value
        else if (kind === 1) out.splice(index, 1)
        else out.splice(index, 0, value)
      }
      return Uint8Array.from(out)
    })

const dnyCommand = fc.oneof(
  fc.constantFrom(...Object.values(DNY_COMMANDS)),
  fc.integer({ min: 0, max: 255 })
)
const juyCommand = fc.oneof(
  fc.constantFrom(...Object.values(JUY_COMMANDS)),
  fc.integer({ min: 0, max: 255 })
)

/** A checksum-valid DNY frame with any command and any data: it reaches the message decoders. */
const dnyFrame = fc
  .record({
    physicalId: fc.nat({ max: 0xffffffff }),
    messageId: fc.nat({ max: 0xffff }),
    command: dnyCommand,
    data: bytes(80),
  })
  .map((frame) => encodeDnyFrame({ ...frame, data: Buffer.from(frame.data) }))

const juyFrame = fc
  .record({
    command: juyCommand,
    result: fc.integer({ min: 0, max: 255 }),
    data: bytes(80),
  })
  .map((frame) => encodeJuyFrame({ ...frame, imei: null, data: Buffer.from(frame.data) }))

test.group('resilience: vendor decoders under bad input', () => {
  test('DNY: random, mutated and well-framed garbage streams decode without throwing', async ({
    assert,
  }) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(bytes(120), dnyFrame, dnyFrame.chain(mutated)), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (pieces, cuts) => {
          const decoder = new DnyFrameDecoder()
          const stream = Buffer.concat(pieces)
          for (const chunk of chunks(stream, cuts)) {
            for (const item of decoder.push(chunk)) {
              if (item.kind !== 'frame') continue
              const decoded = await decodeDny(item.frame)
              assert.isBoolean(decoded.ok)
              assert.deepEqual(readDnyFrame(item.raw), item.frame)
            }
          }
          assert.isAtMost(decoder.buffered, decoder.maxBufferBytes)
        }
      ),
      { numRuns: RUNS }
    )
  })

  test('JUY: TCP streams (with and without the IMEI header) and MQTT payloads never throw', async ({
    assert,
  }) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(bytes(120), juyFrame, juyFrame.chain(mutated)), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        fc.string({ maxLength: 40 }),
        async (pieces, cuts, imeiHeader, topic) => {
          const decoder = new JuyFrameDecoder({ imeiHeader })
          const stream = Buffer.concat(pieces)
          for (const chunk of chunks(stream, cuts)) {
            for (const item of decoder.push(chunk)) {
              if (item.kind !== 'frame') continue
              const decoded = await decodeJuy(item.frame)
              assert.isBoolean(decoded.ok)
            }
          }
          for (const piece of pieces) {
            const command = piece.length > 4 ? piece[4] : 0x82
            for (const name of [topic, `JUY/D2S/866123456789012/${command}/DEV`]) {
              const read = readDeviceMqttFrame(name, piece)
              if (!read.ok) continue
              const decoded = await decodeJuy(read.frame)
              assert.isBoolean(decoded.ok)
            }
          }
        }
      ),
      { numRuns: RUNS }
    )
  })

  test('OCPP 1.6J: any text is parsed or refused with a typed OCPP error', async ({ assert }) => {
    const valid = fc.constantFrom(
      '[2,"1","BootNotification",{"chargePointVendor":"PileHub","chargePointModel":"SIM"}]',
      '[2,"4","Authorize",{"idTag":"0A0B0C01"}]',
      '[2,"5","StartTransaction",{"connectorId":1,"idTag":"0A0B0C01","meterStart":0,"timestamp":"2026-11-24T10:00:00Z"}]',
      '[2,"6","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-11-24T10:05:00Z","sampledValue":[{"value":"150","measurand":"Power.Active.Import","unit":"W"}]}]}]',
      '[2,"7","StopTransaction",{"transactionId":9,"meterStop":120,"timestamp":"2026-11-24T11:00:00Z","reason":"EVDisconnected"}]'
    )
    const text = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.json({ maxDepth: 3 }),
      fc
        .tuple(
          fc.constant(2),
          fc.string({ maxLength: 40 }),
          fc.constantFrom(...Object.keys(chargePointCalls), 'Nope'),
          fc.object({ maxDepth: 2 })
        )
        .map((call) => JSON.stringify(call)),
      valid.chain((frame) =>
        mutated(Buffer.from(frame)).map((changed) => Buffer.from(changed).toString('latin1'))
      )
    )
    await fc.assert(
      fc.asyncProperty(text, async (input) => {
        try {
          const frame = parseFrame(input)
          if (frame.type === 2) await validateRequest(chargePointCalls, frame.action, frame.payload)
        } catch (error) {
          assert.isTrue(
            error instanceof OcppFrameError || error instanceof OcppCallError,
            `${input} threw ${String(error)}`
          )
        }
      }),
      { numRuns: RUNS * 3 }
    )
  })
})
