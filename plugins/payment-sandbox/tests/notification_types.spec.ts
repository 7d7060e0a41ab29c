import { test } from '@japa/runner'
import { instantiatePlugin } from '#sdk/testing/context'
import { PaymentWebhookRejected, type PaymentProvider } from '#sdk/contracts/payment'
import sandbox from '../index.js'
import { sign } from '../signature.js'

/*
| Notifications signed with the merchant's real key, right in every field
| but one of the wrong type: each is refused before anything reads it as
| money or as an order (the sandbox once read "1500" as 1500 fen).
*/

const KEY = 'sandbox-signing-key-for-tests'

const PAID = {
  event: 'payment.paid',
  out_trade_no: 'P20261207000000000001',
  trade_no: 'SBX20261207120000abcdef01',
  amount: 1500,
  merchant_id: 'sbx-types',
  paid_at: '2026-12-07T04:00:00.000Z',
}

const REFUNDED = {
  event: 'refund.succeeded',
  out_trade_no: 'P20261207000000000001',
  out_refund_no: 'R20261207000000000001',
  refund_id: 'SBR20261207120000abcdef01',
  amount: 500,
  merchant_id: 'sbx-types',
}

/** The amount as strings, hex, floats, negative, zero, huge and containers: none is money. */
const WRONG_AMOUNTS: unknown[] = [
  '1500',
  '0x5DC',
  '1.5e3',
  ' 1500',
  1500.5,
  1499.999,
  -1500,
  0,
  1e21,
  2 ** 53,
  [1500],
  { value: 1500 },
  true,
  null,
]

/** Test cases titled with the value as JSON, so "1500" and 1500 read apart. */
function cases(pairs: [string, unknown][]) {
  return pairs.map(([field, value]) => ({
    field,
    value,
    shown: value === undefined ? 'missing' : JSON.stringify(value),
  }))
}

function withField(body: Record<string, unknown>, field: string, value: unknown) {
  const copy: Record<string, unknown> = { ...body, [field]: value }
  if (value === undefined) delete copy[field]
  return copy
}

test.group('payment-sandbox notifications of the wrong types', (group) => {
  let provider: PaymentProvider

  group.setup(async () => {
    provider = await instantiatePlugin(sandbox, {
      merchantId: 'sbx-types',
      signingKey: KEY,
      gatewayUrl: 'http://127.0.0.1:9',
    })
  })

  /** What the provider makes of `body` genuinely signed: its event, or the error it throws. */
  function parsed(body: unknown) {
    const rawBody = JSON.stringify(body)
    return provider.parseWebhook({ headers: sign(KEY, rawBody), rawBody }).then(
      (event) => event,
      (error: unknown) => error
    )
  }

  test('the well-typed payment and refund are taken', async ({ assert }) => {
    assert.deepInclude(await parsed(PAID), { kind: 'payment', amount: 1500 })
    assert.deepInclude(await parsed(REFUNDED), { kind: 'refund', amount: 500 })
  })

  test('a payment whose amount is {shown} is refused')
    .with(cases(WRONG_AMOUNTS.map((amount) => ['amount', amount])))
    .run(async ({ assert }, { value }) => {
      const error = await parsed(withField(PAID, 'amount', value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.match((error as Error).message, /not as documented \(amount: /)
    })

  test('a refund whose amount is {shown} is refused')
    .with(cases(WRONG_AMOUNTS.map((amount) => ['amount', amount])))
    .run(async ({ assert }, { value }) => {
      const error = await parsed(withField(REFUNDED, 'amount', value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.match((error as Error).message, /not as documented \(amount: /)
    })

  test('a payment whose {field} is {shown} is refused')
    .with(
      cases([
        ['out_trade_no', 20261207000000000001],
        ['out_trade_no', ['P20261207000000000001']],
        ['out_trade_no', ''],
        ['out_trade_no', undefined],
        ['merchant_id', { id: 'sbx-types' }],
        ['merchant_id', null],
        ['trade_no', 12345],
        ['paid_at', 1765080000],
        ['paid_at', 'yesterday'],
        ['paid_at', '2026-13-45T04:00:00.000Z'],
      ])
    )
    .run(async ({ assert }, { field, value }) => {
      const error = await parsed(withField(PAID, field, value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.include((error as Error).message, `${field}: `)
    })

  test('a body that is not an object, or whose event is not a string, is refused', async ({
    assert,
  }) => {
    for (const body of [null, 0, 'payment.paid', [PAID], { ...PAID, event: ['payment.paid'] }]) {
      assert.instanceOf(await parsed(body), PaymentWebhookRejected, JSON.stringify(body))
    }
  })

  test('a well-typed event the sandbox does not send asks for nothing', async ({ assert }) => {
    assert.isNull(await parsed({ ...PAID, event: 'payment.closed' }))
  })
})
