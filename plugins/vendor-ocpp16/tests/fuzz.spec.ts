import { test } from '@japa/runner'
import { OcppCallError, OcppFrameError, parseFrame } from '../protocol/frames.js'
import { chargePointCalls, validateRequest } from '../protocol/messages.js'

/** A small seeded generator, so a failing run replays with FUZZ_SEED. */
function seededRandom(seed: number) {
  let state = seed >>> 0 || 1
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const VALID = [
  '[2,"1","BootNotification",{"chargePointVendor":"PileHub","chargePointModel":"SIM"}]',
  '[2,"2","Heartbeat",{}]',
  '[2,"3","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]',
  '[2,"4","Authorize",{"idTag":"0A0B0C01"}]',
  '[2,"5","StartTransaction",{"connectorId":1,"idTag":"0A0B0C01","meterStart":0,"timestamp":"2026-11-24T10:00:00Z"}]',
  '[2,"6","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-11-24T10:05:00Z","sampledValue":[{"value":"150","measurand":"Power.Active.Import","unit":"W"}]}]}]',
  '[2,"7","StopTransaction",{"transactionId":9,"meterStop":120,"timestamp":"2026-11-24T11:00:00Z","reason":"EVDisconnected"}]',
  '[3,"8",{"status":"Accepted"}]',
  '[4,"9","GenericError","oops",{}]',
]

test.group('vendor-ocpp16 fuzz', () => {
  test('random and mutated frames are parsed or refused, never crash the decoder', async ({
    assert,
  }) => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`vendor-ocpp16 fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`)
    const random = seededRandom(seed)
    const pick = <Item>(items: Item[]) => items[Math.floor(random() * items.length)]
    const alphabet = '[]{}",:0123456789.-eE tnurfalsABCxyz\\\u0000\u00ff中'
    let parsed = 0
    let refused = 0
    for (let run = 0; run < 12_000; run++) {
      let text: string
      const kind = random()
      if (kind < 0.3) {
        text = Array.from({ length: Math.floor(random() * 80) }, () =>
          String.fromCharCode(Math.floor(random() * 256))
        ).join('')
      } else if (kind < 0.6) {
        text = Array.from({ length: Math.floor(random() * 60) }, () => pick([...alphabet])).join('')
      } else {
        // A real frame with a few characters changed, cut or repeated.
        const chars = [...pick(VALID)]
        for (let edit = 0; edit < 1 + Math.floor(random() * 4); edit++) {
          const at = Math.floor(random() * chars.length)
          const action = random()
          if (action < 0.4) chars[at] = pick([...alphabet])
          else if (action < 0.7) chars.splice(at, 1)
          else chars.splice(at, 0, pick([...alphabet]))
        }
        text =
          random() < 0.1
            ? chars.join('').slice(0, Math.floor(random() * chars.length))
            : chars.join('')
      }
      try {
        const frame = parseFrame(text)
        parsed += 1
        if (frame.type === 2 && frame.action in chargePointCalls) {
          await validateRequest(chargePointCalls, frame.action, frame.payload).catch((error) => {
            assert.instanceOf(error, OcppCallError, `payload of ${text} threw ${error}`)
          })
        }
      } catch (error) {
        assert.instanceOf(error, OcppFrameError, `frame ${JSON.stringify(text)} threw ${error}`)
        refused += 1
      }
    }
    assert.isAbove(parsed, 0)
    assert.isAbove(refused, 0)
  }).timeout(60_000)
})
