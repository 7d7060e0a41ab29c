import { test } from '@japa/runner'
import limiter from '@adonisjs/limiter/services/main'
import type { Assert } from '@japa/assert'
import fc from 'fast-check'
import db from '@adonisjs/lucid/services/db'
import env from '#start/env'
import type QueueManager from '#core/queue/queue_manager'
import type { PaymentGatewayHarness, SentNotification } from '#sdk/testing/payment_contract'
import {
  eventually,
  orderRow,
  paymentFixture,
  startPaymentWorker,
} from '#tests/functional/payments/helpers'
import { entriesOf } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { sign } from '../../plugins/payment-sandbox/signature.js'
import {
  startFakeWechatpay,
  type FakeWechatpay,
} from '../../plugins/payment-wechatpay/tests/fake_wechatpay.js'
import { startFakeAlipay, type FakeAlipay } from '../../plugins/payment-alipay/tests/fake_alipay.js'

/*
| Bad input drill (issue 8) for POST /webhooks/payments/:settingId over real
| HTTP, for every payment plugin through its local gateway (real keys and
| signatures): changed copies of a genuine notification, arbitrary bodies
| and headers, notifications genuinely signed by the gateway but carrying
| arbitrary or nearly-right fields, and our order's notification signed
| with an amount of the wrong type (issue 13: "1500", "0x5DC", floats).
| Every answer is a 4xx (a 2xx only for what is signed and asks for
| nothing), never a 5xx, and no order, refund or ledger row moves. The
| genuine notification, sent last, still credits exactly once.
*/

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

/** One seed drives every property of a run; a failure names it, FUZZ_SEED=<seed> replays it. */
const SEED = fuzzSeed(process.env.FUZZ_SEED)

function fuzzSeed(given: string | undefined) {
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31)
  if (!/^-?\d+$/.test(given)) throw new Error(`FUZZ_SEED must be an integer, not ${given}`)
  return Number(given)
}

/** The same failure, saying how to replay it (an assertion after the properties has no seed of its own). */
function withSeed(error: unknown) {
  if (error instanceof Error) {
    error.message += `\nfast-check seed ${SEED}; replay: FUZZ_SEED=${SEED} node ace test resilience --files tests/resilience/webhook_fuzz.spec.ts`
  }
  return error
}
const base = () => `http://${env.get('HOST')}:${env.get('PORT')}`

/**
 * The drill is one source sending hundreds of notifications a minute, past
 * the per-IP webhook limit (tested on its own in webhook_edge.spec.ts): each
 * property starts a fresh window, so what it sends reaches the validation.
 */
async function freshLimitWindow() {
  await limiter.clear(['memory'])
}

async function post(path: string, headers: Record<string, string>, body: string | Uint8Array) {
  const answer = await fetch(`${base()}${path}`, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
  })
  return { status: answer.status, text: await answer.text() }
}

/** Rows a webhook must never write, for one tenant. */
async function footprint(tenantId: number) {
  const rows = () => db.connection('owner').query().where('tenant_id', tenantId)
  const count = async (query: ReturnType<typeof rows>) => {
    const row = await query.count('* as n').first()
    return Number(row.n)
  }
  return {
    orders: await count(rows().from('payment_orders')),
    refunds: await count(rows().from('payment_refunds')),
    entries: await count(rows().from('ledger_entries')),
    settled: await count(rows().from('payment_orders').whereNot('status', 'pending')),
  }
}

/** Headers that carry a provider's signature: changing one must break it. */
const SIGNATURE_HEADERS: Record<string, string[]> = {
  'payment-sandbox': ['x-sandbox-timestamp', 'x-sandbox-nonce', 'x-sandbox-signature'],
  'payment-wechatpay': [
    'wechatpay-timestamp',
    'wechatpay-nonce',
    'wechatpay-signature',
    'wechatpay-serial',
  ],
  // Alipay signs inside the form body.
  'payment-alipay': [],
}

const headerName = (pluginId: string) =>
  fc.oneof(
    fc.constantFrom('content-type', 'content-encoding', ...SIGNATURE_HEADERS[pluginId]),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
  )
/** Header values fetch can send (visible ASCII and spaces). */
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/)
const contentType = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=gbk'
)

type Fixture = Awaited<ReturnType<typeof paymentFixture>>
type Order = Awaited<ReturnType<Fixture['open']>>

/** A notification as it goes over the wire, minus where to. */
type Notification = Omit<SentNotification, 'url'>

/** What one plugin's drill needs besides the shared phases. */
interface WebhookDrill<Gateway extends PaymentGatewayHarness, Prepared> {
  pluginId: string
  start(): Promise<Gateway>
  /** Whether a (possibly mutated) copy still says exactly what the genuine one said. */
  same(genuine: Notification, candidate: Notification): boolean
  /** Work done before the footprint is taken (e.g. orders the signed phase pays). */
  prepare(fixture: Fixture, gateway: Gateway): Promise<Prepared>
  /**
   * Notifications signed by the gateway with its real key that must not credit
   * anything: arbitrary, or nearly right (amount, merchant, app id off).
   */
  signed(
    gateway: Gateway,
    order: Order,
    prepared: Prepared
  ): fc.Arbitrary<() => Promise<Notification>>
  /** Runs of the signed phase, where each run costs a round trip to the gateway. */
  signedRuns?: number
  /**
   * The genuine notification of `order`, signed by the gateway, right in every
   * field but the amount, which is of the wrong type or spelled as no amount
   * is (strings, hex, floats, negative, huge): each must be refused.
   */
  mistyped(
    gateway: Gateway,
    order: Order,
    prepared: Prepared
  ): fc.Arbitrary<() => Promise<Notification>>
  mistypedRuns?: number
}

function sameSignedHeaders(pluginId: string, genuine: Notification, candidate: Notification) {
  return (
    candidate.rawBody === genuine.rawBody &&
    SIGNATURE_HEADERS[pluginId].every((name) => candidate.headers[name] === genuine.headers[name])
  )
}

/**
 * `amount` as a JSON value of the wrong type, or a number that is not it:
 * what a lenient reader (Number(...), parseInt) could still take for it.
 */
const mistypedAmount = (amount: number) =>
  fc.oneof(
    fc.constantFrom(
      String(amount),
      `0x${amount.toString(16)}`,
      `0x${amount.toString(16).toUpperCase()}`,
      `${amount / 1000}e3`,
      `${amount}.0`,
      ` ${amount}`,
      `+${amount}`,
      `${amount}\n`,
      `${amount}abc`
    ),
    fc.double({ min: amount - 1, max: amount + 1, noInteger: true, noNaN: true }),
    fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
    fc.integer({ max: 0 }),
    fc.constantFrom<unknown>(-amount, 2 ** 53, 1e21, Number.MAX_VALUE, true),
    fc.constantFrom<unknown>([amount], [String(amount)], { value: amount }),
    fc.string({ maxLength: 8 })
  )

/** Anything but `amount`, in the shapes a provider might send. */
const otherAmount = (amount: number) =>
  fc.oneof(
    fc.integer().filter((value) => value !== amount),
    fc.double().filter((value) => value !== amount),
    mistypedAmount(amount),
    fc.constant(null)
  )
const anyTime = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.string({ maxLength: 30 }),
  fc.integer()
)

function webhookDrill<Gateway extends PaymentGatewayHarness, Prepared>(
  drill: WebhookDrill<Gateway, Prepared>
) {
  test.group(`resilience: ${drill.pluginId} webhook under bad input`, (group) => {
    let gateway: Gateway
    let queue: QueueManager

    group.setup(async () => {
      gateway = await drill.start()
      queue = await startPaymentWorker()
      return async () => {
        await queue.close()
        await gateway.close()
      }
    })

    test('mutated, arbitrary and signed-but-wrong notifications: 4xx, no 5xx, no write', async ({
      assert,
    }) => {
      try {
        await drillOnce(assert)
      } catch (error) {
        throw withSeed(error)
      }
    }).timeout(240_000)

    async function drillOnce(assert: Assert) {
      const fixture = await paymentFixture(drill.pluginId, gateway)
      const order = await fixture.open(1500)
      const genuine = (await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification
      const path = `/webhooks/payments/${fixture.settingId}`
      const prepared = await drill.prepare(fixture, gateway)
      const before = await footprint(fixture.tenant.id)

      /** A 2xx is fine only for a signed notification the provider ignores (no known event). */
      const check = (answer: { status: number; text: string }, what: unknown) => {
        assert.isBelow(
          answer.status,
          500,
          `${answer.status} ${answer.text} for ${JSON.stringify(what)}`
        )
        assert.isAtLeast(answer.status, 200)
        return answer.status < 300
      }

      // 1. The genuine notification with its body and headers changed (the signature breaks).
      // A change that leaves what is signed as it was (a character replaced by itself, a
      // header set to its value) is no change: it would deliver the genuine notification.
      const signatureHeaders = SIGNATURE_HEADERS[drill.pluginId]
      const changed = fc
        .tuple(
          fc.array(
            fc.tuple(
              fc.nat(),
              fc.integer({ min: 0, max: 2 }),
              fc.string({ minLength: 1, maxLength: 1 })
            ),
            { minLength: 1, maxLength: 4 }
          ),
          fc.dictionary(headerName(drill.pluginId), headerValue, { maxKeys: 3 }),
          signatureHeaders.length > 0
            ? fc.option(fc.constantFrom(...signatureHeaders))
            : fc.constant(null)
        )
        .map(([edits, extraHeaders, dropped]): Notification => {
          const chars = [...genuine.rawBody]
          for (const [at, kind, char] of edits) {
            const index = at % chars.length
            if (kind === 0) chars[index] = char
            else if (kind === 1) chars.splice(index, 1)
            else chars.splice(index, 0, char)
          }
          const headers = { ...genuine.headers, ...extraHeaders }
          if (dropped) delete headers[dropped]
          return { headers, rawBody: chars.join('') }
        })
        .filter((candidate) => !drill.same(genuine, candidate))
      await freshLimitWindow()
      await fc.assert(
        fc.asyncProperty(changed, async ({ headers, rawBody }) => {
          const accepted = check(await post(path, headers, rawBody), { rawBody, headers })
          assert.isFalse(accepted, `accepted a changed notification: ${rawBody}`)
        }),
        { numRuns: RUNS, seed: SEED }
      )

      // 2. Arbitrary bytes and headers, to this setting and to made-up setting ids.
      await freshLimitWindow()
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.constant(path), fc.string({ maxLength: 12 }).map(encodeURIComponent)),
          fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
          contentType,
          fc.dictionary(headerName(drill.pluginId), headerValue, { maxKeys: 4 }),
          async (target, body, type, headers) => {
            const url = target.startsWith('/') ? target : `/webhooks/payments/${target}`
            const answer = await post(url, { ...headers, 'content-type': type }, body)
            assert.isFalse(check(answer, { url, body: String(body), headers }), answer.text)
          }
        ),
        { numRuns: RUNS, seed: SEED }
      )

      // 3. Genuinely signed notifications with arbitrary, nearly-right fields.
      await freshLimitWindow()
      await fc.assert(
        fc.asyncProperty(drill.signed(gateway, order, prepared), async (make) => {
          const notification = await make()
          check(await post(path, notification.headers, notification.rawBody), notification)
        }),
        { numRuns: Math.min(RUNS, drill.signedRuns ?? RUNS), seed: SEED }
      )

      // 4. Our order's notification, genuinely signed, with an amount of the wrong type.
      await freshLimitWindow()
      await fc.assert(
        fc.asyncProperty(drill.mistyped(gateway, order, prepared), async (make) => {
          const notification = await make()
          const answer = await post(path, notification.headers, notification.rawBody)
          assert.isFalse(check(answer, notification), `took ${notification.rawBody}`)
        }),
        { numRuns: Math.min(RUNS, drill.mistypedRuns ?? RUNS), seed: SEED }
      )

      assert.deepEqual(await footprint(fixture.tenant.id), before)
      assert.propertyVal(await orderRow(order.paymentNo), 'status', 'pending')

      // The genuine notification still goes through, once.
      await freshLimitWindow()
      const answer = await post(path, genuine.headers, genuine.rawBody)
      assert.isAtLeast(answer.status, 200)
      assert.isBelow(answer.status, 300)
      const paid = await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
      assert.equal(paid.status, 'paid')
      assert.lengthOf(await entriesOf(fixture.rider.id), 1)
    }
  })
}

webhookDrill({
  pluginId: 'payment-sandbox',
  start: startSandboxGateway,
  same: (genuine, candidate) => sameSignedHeaders('payment-sandbox', genuine, candidate),
  prepare: async () => null,
  signed(gateway, order) {
    const signingKey = String(gateway.config().signingKey)
    const fields = fc.record(
      {
        event: fc.constantFrom('payment.paid', 'refund.succeeded', 'payment.closed', ''),
        out_trade_no: fc.oneof(fc.constant(order.paymentNo), fc.string({ maxLength: 30 })),
        out_refund_no: fc.string({ maxLength: 30 }),
        amount: otherAmount(order.amount),
        merchant_id: fc.oneof(
          fc.constant(String(gateway.config().merchantId)),
          fc.string({ maxLength: 20 })
        ),
        trade_no: fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null)),
        paid_at: anyTime,
      },
      { requiredKeys: [] }
    )
    return fc
      .oneof(
        fields.map((value) => JSON.stringify(value)),
        fc.json({ maxDepth: 2 }),
        fc.constantFrom('null', '0', '"paid"', '[]', '{"event":"payment.paid"}')
      )
      .map((rawBody) => async () => ({
        headers: { 'content-type': 'application/json', ...sign(signingKey, rawBody) },
        rawBody,
      }))
  },
  mistyped(gateway, order) {
    const signingKey = String(gateway.config().signingKey)
    return mistypedAmount(order.amount).map((amount) => async () => {
      const rawBody = JSON.stringify({
        event: 'payment.paid',
        out_trade_no: order.paymentNo,
        trade_no: 'SBX20261207120000mistyped',
        amount,
        merchant_id: String(gateway.config().merchantId),
        paid_at: new Date().toISOString(),
      })
      return {
        headers: { 'content-type': 'application/json', ...sign(signingKey, rawBody) },
        rawBody,
      }
    })
  },
})

webhookDrill<FakeWechatpay, null>({
  pluginId: 'payment-wechatpay',
  start: startFakeWechatpay,
  same: (genuine, candidate) => sameSignedHeaders('payment-wechatpay', genuine, candidate),
  prepare: async () => null,
  signed(gateway, order) {
    const config = gateway.config()
    const amount = otherAmount(order.amount)
    // Signed and encrypted with the real platform key and APIv3 key: only the content is wrong.
    const resource = fc.oneof(
      fc.record(
        {
          appid: fc.oneof(fc.constant(String(config.appId)), fc.string({ maxLength: 20 })),
          mchid: fc.oneof(fc.constant(String(config.mchId)), fc.string({ maxLength: 12 })),
          out_trade_no: fc.oneof(fc.constant(order.paymentNo), fc.string({ maxLength: 30 })),
          out_refund_no: fc.string({ maxLength: 30 }),
          transaction_id: fc.oneof(fc.string({ maxLength: 32 }), fc.integer(), fc.constant(null)),
          refund_id: fc.string({ maxLength: 32 }),
          trade_state: fc.constantFrom('SUCCESS', 'NOTPAY', 'CLOSED', 'REFUND', 'PAYERROR', ''),
          refund_status: fc.constantFrom('SUCCESS', 'ABNORMAL', 'CLOSED', 'PROCESSING', ''),
          success_time: anyTime,
          amount: fc.oneof(
            fc.record(
              {
                total: amount,
                payer_total: amount,
                refund: amount,
                payer_refund: amount,
                currency: fc.constantFrom('CNY', 'USD', ''),
              },
              { requiredKeys: [] }
            ),
            fc.jsonValue({ maxDepth: 1 })
          ),
        },
        { requiredKeys: [] }
      ),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
    )
    const eventType = fc.oneof(
      fc.constantFrom('TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'),
      fc.string({ maxLength: 20 })
    )
    return fc.tuple(eventType, resource).map(
      ([type, content]) =>
        async () =>
          gateway.notification(type, content)
    )
  },
  mistyped(gateway, order) {
    const config = gateway.config()
    return mistypedAmount(order.amount).map(
      (total) => async () =>
        gateway.notification('TRANSACTION.SUCCESS', {
          appid: String(config.appId),
          mchid: String(config.mchId),
          out_trade_no: order.paymentNo,
          transaction_id: '4200000000202612070000000001',
          trade_type: 'NATIVE',
          trade_state: 'SUCCESS',
          success_time: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
          amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
        })
    )
  },
})

const ALIPAY_SIGNED_RUNS = 25
const ALIPAY_MISTYPED_RUNS = 25
const ALIPAY_AMOUNT = 2000

/** 20 yuan as Alipay writes it: any other total_amount must not pay a 2000-fen order. */
const ALIPAY_YUAN = /^20(\.0{1,2})?$/
/** total_amount strings a lenient reader could take for 20 yuan, and arbitrary ones. */
const mistypedYuan = fc
  .oneof(
    fc.constantFrom(
      ' 20.00',
      '20.00 ',
      '+20.00',
      '20.000',
      '20.001',
      '2e1',
      '2.0E1',
      '0x14',
      '020.00',
      '20,00',
      '２０.００',
      '20.',
      '20.00\n',
      '2000'
    ),
    fc.double({ min: 0, max: 1e9, noNaN: true }).map(String),
    fc.string({ maxLength: 12 })
  )
  .filter((text) => !ALIPAY_YUAN.test(text))

webhookDrill<FakeAlipay, Order[]>({
  pluginId: 'payment-alipay',
  start: startFakeAlipay,
  // The signature is inside the form; what counts is the decoded parameters.
  same: (genuine, candidate) => {
    const decoded = (body: string) => [...new URLSearchParams(body)].sort().join('&')
    return decoded(candidate.rawBody) === decoded(genuine.rawBody)
  },
  // Alipay signs only what its gateway sends: each signed run pays one more order, wrongly.
  async prepare(fixture) {
    const orders = []
    for (let index = 0; index < ALIPAY_SIGNED_RUNS + ALIPAY_MISTYPED_RUNS; index++) {
      orders.push(await fixture.open(ALIPAY_AMOUNT))
    }
    return orders
  },
  signed(gateway, _order, orders) {
    let next = 0
    return fc
      .record({
        amount: fc.oneof(
          fc.integer({ min: 0, max: ALIPAY_AMOUNT - 1 }),
          fc.integer({ min: ALIPAY_AMOUNT + 1, max: 1e11 })
        ),
        merchantId: fc.oneof(fc.constant(gateway.sellerId), fc.string({ maxLength: 20 })),
        appId: fc.oneof(fc.constant(gateway.appId), fc.string({ maxLength: 20 })),
      })
      .map((overrides) => async () => {
        const target = orders[next++]
        if (!target) throw new Error('the Alipay drill ran out of orders to pay')
        const sent = await gateway.pay(target.paymentNo, { ...overrides, deliver: false })
        return sent!
      })
  },
  signedRuns: ALIPAY_SIGNED_RUNS,
  mistyped(gateway, _order, orders) {
    let next = ALIPAY_SIGNED_RUNS
    return mistypedYuan.map((total) => async () => {
      const target = orders[next++]
      if (!target) throw new Error('the Alipay drill ran out of orders to pay')
      const sent = await gateway.pay(target.paymentNo, {
        deliver: false,
        fields: { total_amount: total },
      })
      return sent!
    })
  },
  mistypedRuns: ALIPAY_MISTYPED_RUNS,
})
