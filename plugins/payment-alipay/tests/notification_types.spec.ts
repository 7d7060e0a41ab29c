import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { testContext } from '#sdk/testing/context'
import { PaymentWebhookRejected, type PaymentProvider } from '#sdk/contracts/payment'
import alipay from '../index.js'
import { startFakeAlipay, type FakeAlipay } from './fake_alipay.js'

/*
| Notifications signed with the real Alipay key for a real trade of 20.00
| yuan, right in every field but one in a format Alipay does not document:
| each is refused before anything reads it as money or as an order.
*/

const AMOUNT = 2000

/** 20.00 yuan spelled in ways Alipay does not write amounts, and amounts out of its range. */
const WRONG_TOTALS = [
  ' 20.00',
  '20.00 ',
  '+20.00',
  '-20.00',
  '20.000',
  '20.001',
  '2e1',
  '2.0E1',
  '0x14',
  '020.00',
  '20,00',
  '２０.００',
  '20.',
  'Infinity',
  '0.00',
  '100000000.01',
  undefined,
]

function shown(value: string | undefined) {
  return value === undefined ? 'missing' : JSON.stringify(value)
}

test.group('payment-alipay notifications of the wrong formats', (group) => {
  let gateway: FakeAlipay
  let provider: PaymentProvider
  let sequence = 0

  group.setup(async () => {
    gateway = await startFakeAlipay()
    provider = await alipay.create(await alipay.validateConfig(gateway.config()), testContext())
    return () => gateway.close()
  })

  /** A new trade paid at the gateway, its notification signed with `fields` as given. */
  async function notification(fields: Record<string, string | undefined>) {
    sequence += 1
    const outTradeNo = `ALT${Date.now()}${sequence}`
    await provider.createQrPayment({
      outTradeNo,
      amount: AMOUNT,
      description: '充值',
      notifyUrl: 'http://127.0.0.1:9/not-listening',
      expiresAt: DateTime.now().plus({ minutes: 10 }).toJSDate(),
    })
    const sent = await gateway.pay(outTradeNo, { deliver: false, fields })
    return provider.parseWebhook({ headers: sent!.headers, rawBody: sent!.rawBody }).then(
      (event) => event,
      (error: unknown) => error
    )
  }

  test('the documented spellings of 20 yuan are taken as 2000 fen', async ({ assert }) => {
    for (const total of ['20.00', '20.0', '20']) {
      assert.deepInclude(await notification({ total_amount: total }), {
        kind: 'payment',
        status: 'paid',
        amount: AMOUNT,
      })
    }
  })

  test('a total_amount of {shown} is refused')
    .with(WRONG_TOTALS.map((value) => ({ value, shown: shown(value) })))
    .run(async ({ assert }, { value }) => {
      const error = await notification({ total_amount: value })
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.match((error as Error).message, /not as documented \(total_amount: /)
    })

  test('a {field} of {shown} is refused')
    .with(
      (
        [
          ['trade_status', 'trade_success'],
          ['trade_status', 'PAID'],
          ['trade_status', undefined],
          ['out_trade_no', undefined],
          ['trade_no', undefined],
          ['app_id', undefined],
          ['gmt_payment', '2026-12-07T12:00:00+08:00'],
          ['gmt_payment', '2026-13-45 12:00:00'],
        ] as [string, string | undefined][]
      ).map(([field, value]) => ({ field, value, shown: shown(value) }))
    )
    .run(async ({ assert }, { field, value }) => {
      const error = await notification({ [field]: value })
      assert.instanceOf(error, PaymentWebhookRejected)
      assert.include((error as Error).message, `${field}: `)
    })

  test('another notify_type asks for nothing', async ({ assert }) => {
    assert.isNull(await notification({ notify_type: 'trade_refund_sync' }))
  })
})
