import { test } from '@japa/runner'
import { instantiatePlugin } from '#sdk/testing/context'
import { PaymentWebhookRejected, type PaymentProvider } from '#sdk/contracts/payment'
import wechatpay from '../index.js'
import { startFakeWechatpay, type FakeWechatpay } from './fake_wechatpay.js'

/*
| Notifications signed with the real platform key and encrypted with the
| real APIv3 key, right in every field but one of the wrong type: each is
| refused before anything reads it as money or as an order.
*/

const PAID = {
  appid: 'wxd678efh567hg6787',
  mchid: '1900009191',
  out_trade_no: 'WXTYPES1',
  transaction_id: '4200000101',
  trade_type: 'NATIVE',
  trade_state: 'SUCCESS',
  success_time: '2024-05-01T10:22:33+08:00',
  amount: { total: 1500, payer_total: 1500, currency: 'CNY', payer_currency: 'CNY' },
}

const REFUNDED = {
  mchid: '1900009191',
  out_trade_no: 'WXTYPES1',
  transaction_id: '4200000101',
  out_refund_no: 'RWXTYPES1',
  refund_id: '50000101',
  refund_status: 'SUCCESS',
  success_time: '2024-05-01T11:22:33+08:00',
  amount: { total: 1500, refund: 500, payer_total: 1500, payer_refund: 500 },
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

function withField(resource: Record<string, any>, path: string, value: unknown) {
  const copy = structuredClone(resource)
  const [head, tail] = path.split('.')
  if (tail) copy[head][tail] = value
  else copy[head] = value
  if (value === undefined) {
    if (tail) delete copy[head][tail]
    else delete copy[head]
  }
  return copy
}

test.group('payment-wechatpay notifications of the wrong types', (group) => {
  let gateway: FakeWechatpay
  let provider: PaymentProvider

  group.setup(async () => {
    gateway = await startFakeWechatpay()
    provider = await instantiatePlugin(wechatpay, gateway.config())
    return () => gateway.close()
  })

  async function refusal(event: string, resource: Record<string, unknown>) {
    return provider.parseWebhook(gateway.notification(event, resource)).then(
      (parsed) => parsed,
      (error: unknown) => error
    )
  }

  test('the well-typed payment and refund are taken', async ({ assert }) => {
    assert.deepInclude(await refusal('TRANSACTION.SUCCESS', PAID), {
      kind: 'payment',
      outTradeNo: 'WXTYPES1',
      amount: 1500,
    })
    assert.deepInclude(await refusal('REFUND.SUCCESS', REFUNDED), {
      kind: 'refund',
      status: 'succeeded',
      amount: 500,
    })
  })

  test('a payment whose amount.total is {shown} is refused')
    .with(cases(WRONG_AMOUNTS.map((total) => ['amount.total', total])))
    .run(async ({ assert }, { value }) => {
      const error = await refusal('TRANSACTION.SUCCESS', withField(PAID, 'amount.total', value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.match((error as Error).message, /not as documented \(amount\.total: /)
    })

  test('a refund whose amount.refund is {shown} is refused')
    .with(cases(WRONG_AMOUNTS.map((refund) => ['amount.refund', refund])))
    .run(async ({ assert }, { value }) => {
      const error = await refusal('REFUND.SUCCESS', withField(REFUNDED, 'amount.refund', value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.match((error as Error).message, /not as documented \(amount\.refund: /)
    })

  test('a payment whose {field} is {shown} is refused')
    .with(
      cases([
        ['out_trade_no', 1500],
        ['out_trade_no', ['WXTYPES1']],
        ['out_trade_no', ''],
        ['out_trade_no', undefined],
        ['mchid', 1900009191],
        ['appid', null],
        ['transaction_id', 4200000101],
        ['trade_state', 'success'],
        ['trade_state', 1],
        ['success_time', 1714530153],
        ['success_time', '2024-05-01 10:22:33'],
        ['success_time', '2024-13-45T10:22:33+08:00'],
        ['amount', 1500],
        ['amount', '{"total":1500}'],
        ['amount.currency', 'USD'],
        ['amount.payer_total', '1500'],
      ])
    )
    .run(async ({ assert }, { field, value }) => {
      const error = await refusal('TRANSACTION.SUCCESS', withField(PAID, field, value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.include((error as Error).message, `${field}: `)
    })

  test('a refund whose {field} is {shown} is refused')
    .with(
      cases([
        ['out_refund_no', 12345],
        ['refund_id', null],
        ['refund_status', 'success'],
        ['refund_status', 'CLOSED'],
        ['amount.total', '1500'],
      ])
    )
    .run(async ({ assert }, { field, value }) => {
      const error = await refusal('REFUND.SUCCESS', withField(REFUNDED, field, value))
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.include((error as Error).message, field)
    })

  test('a resource that is not an object is refused', async ({ assert }) => {
    for (const resource of [[PAID], 'SUCCESS', 1500]) {
      const sent = gateway.notification(
        'TRANSACTION.SUCCESS',
        resource as unknown as Record<string, unknown>
      )
      const error = await provider.parseWebhook(sent).catch((failure: unknown) => failure)
      assert.instanceOf(error, PaymentWebhookRejected, JSON.stringify(resource))
    }
  })
})
