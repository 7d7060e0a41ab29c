import { test } from '@japa/runner'
import fc from 'fast-check'
import db from '@adonisjs/lucid/services/db'
import env from '#start/env'
import type QueueManager from '#services/queue/queue_manager'
import type { SentNotification } from '#tests/contracts/payment_contract'
import {
  eventually,
  orderRow,
  paymentFixture,
  startPaymentWorker,
} from '#tests/functional/payments/helpers'
import { entriesOf } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { sign } from '../../plugins/payment-sandbox/signature.js'

/*
| Bad input drill (issue 8) for POST /webhooks/payments/:settingId over real
| HTTP: mutated copies of a genuine sandbox notification, arbitrary bodies
| and headers, and bodies validly signed with the tenant's key but carrying
| arbitrary fields. Every answer is a 4xx (a 2xx only for what is signed and
| asks for nothing), never a 5xx, and no order, refund or ledger row moves.
| The genuine notification, sent last, still credits exactly once.
*/

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)
const base = () => `http://${env.get('HOST')}:${env.get('PORT')}`

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

const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'x-sandbox-timestamp',
    'x-sandbox-nonce',
    'x-sandbox-signature',
    'content-encoding'
  ),
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

test.group('resilience: payment webhook under bad input', (group) => {
  let gateway: Awaited<ReturnType<typeof startSandboxGateway>>
  let queue: QueueManager

  group.setup(async () => {
    gateway = await startSandboxGateway()
    queue = await startPaymentWorker()
    return async () => {
      await queue.close()
      await gateway.close()
    }
  })

  test('mutated, arbitrary and signed-but-wrong notifications: 4xx, no 5xx, no write', async ({
    assert,
  }) => {
    const fixture = await paymentFixture('payment-sandbox', gateway)
    const order = await fixture.open(1500)
    const genuine = (await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification
    const path = `/webhooks/payments/${fixture.settingId}`
    const before = await footprint(fixture.tenant.id)
    const signingKey = String(gateway.config().signingKey)

    /** A 2xx is fine only for a signed body that the sandbox ignores (no known event). */
    const check = (answer: { status: number; text: string }, what: unknown) => {
      assert.isBelow(
        answer.status,
        500,
        `${answer.status} ${answer.text} for ${JSON.stringify(what)}`
      )
      assert.isAtLeast(answer.status, 200)
      return answer.status < 300
    }

    // 1. The genuine notification with its body and headers mutated (the signature breaks).
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.integer({ min: 0, max: 2 }),
            fc.string({ minLength: 1, maxLength: 1 })
          ),
          {
            minLength: 1,
            maxLength: 4,
          }
        ),
        fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
        fc.boolean(),
        async (edits, extraHeaders, dropSignature) => {
          const chars = [...genuine.rawBody]
          for (const [at, kind, char] of edits) {
            const index = at % chars.length
            if (kind === 0) chars[index] = char
            else if (kind === 1) chars.splice(index, 1)
            else chars.splice(index, 0, char)
          }
          const body = chars.join('')
          const headers = { ...genuine.headers, ...extraHeaders }
          if (dropSignature) delete headers['x-sandbox-signature']
          const accepted = check(await post(path, headers, body), { body, headers })
          const untouched =
            body === genuine.rawBody &&
            ['x-sandbox-timestamp', 'x-sandbox-nonce', 'x-sandbox-signature'].every(
              (name) => headers[name] === genuine.headers[name]
            )
          assert.isFalse(accepted && !untouched, `accepted a changed notification: ${body}`)
        }
      ),
      { numRuns: RUNS }
    )

    // 2. Arbitrary bytes and headers, to this setting and to made-up setting ids.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(path), fc.string({ maxLength: 12 }).map(encodeURIComponent)),
        fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
        contentType,
        fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
        async (target, body, type, headers) => {
          const url = target.startsWith('/') ? target : `/webhooks/payments/${target}`
          const answer = await post(url, { ...headers, 'content-type': type }, body)
          assert.isFalse(check(answer, { url, body: String(body), headers }), answer.text)
        }
      ),
      { numRuns: RUNS }
    )

    // 3. Genuinely signed bodies with arbitrary, nearly-right fields (amount, merchant, dates).
    const fields = fc.record(
      {
        event: fc.constantFrom('payment.paid', 'refund.succeeded', 'payment.closed', ''),
        out_trade_no: fc.oneof(fc.constant(order.paymentNo), fc.string({ maxLength: 30 })),
        out_refund_no: fc.string({ maxLength: 30 }),
        amount: fc.oneof(
          fc.integer().filter((amount) => amount !== order.amount),
          fc.double(),
          fc.string({ maxLength: 8 }),
          fc.constant(null)
        ),
        merchant_id: fc.oneof(
          fc.constant(String(gateway.config().merchantId)),
          fc.string({ maxLength: 20 })
        ),
        trade_no: fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null)),
        paid_at: fc.oneof(
          fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          fc.string({ maxLength: 30 }),
          fc.integer()
        ),
      },
      { requiredKeys: [] }
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fields.map((value) => JSON.stringify(value)),
          fc.json({ maxDepth: 2 }),
          fc.constantFrom('null', '0', '"paid"', '[]', '{"event":"payment.paid"}')
        ),
        async (body) => {
          const headers = { 'content-type': 'application/json', ...sign(signingKey, body) }
          check(await post(path, headers, body), body)
        }
      ),
      { numRuns: RUNS }
    )

    assert.deepEqual(await footprint(fixture.tenant.id), before)
    assert.propertyVal(await orderRow(order.paymentNo), 'status', 'pending')

    // The genuine notification still goes through, once.
    const answer = await post(path, genuine.headers, genuine.rawBody)
    assert.equal(answer.status, 204)
    const paid = await eventually(
      () => orderRow(order.paymentNo),
      (row) => row.status === 'paid'
    )
    assert.equal(paid.status, 'paid')
    assert.lengthOf(await entriesOf(fixture.rider.id), 1)
  })
})
