import { generateKeyPairSync } from 'node:crypto'
import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { testContext } from '#sdk/testing/context'
import alipay from '../index.js'
import { fenToYuan, fromBeijingTime, toBeijingTime, yuanToFen } from '../amount.js'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { PaymentProvider } from '#sdk/contracts/payment'
import { paymentProviderContract } from '#sdk/testing/payment_contract'
import { startFakeAlipay, type FakeAlipay } from './fake_alipay.js'

const VALID = {
  appId: '2021000122671080',
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  alipayPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
}

paymentProviderContract({
  plugin: alipay,
  start: startFakeAlipay,
  invalidConfigs: [
    {},
    { ...VALID, appId: 'app-2021' },
    { ...VALID, privateKey: 'not a key' },
    { ...VALID, alipayPublicKey: VALID.privateKey },
    { ...VALID, alipayPublicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' },
    { ...VALID, sellerId: '2088123' },
    { ...VALID, gateway: 'ftp://openapi.alipay.com/gateway.do' },
  ],
  secrets: ['privateKey'],
})

test.group('payment-alipay: yuan, fen and Beijing time', () => {
  test('fen become a yuan string with two decimals, without floats', ({ assert }) => {
    assert.equal(fenToYuan(0), '0.00')
    assert.equal(fenToYuan(1), '0.01')
    assert.equal(fenToYuan(7), '0.07')
    assert.equal(fenToYuan(10), '0.10')
    assert.equal(fenToYuan(100), '1.00')
    assert.equal(fenToYuan(123456789), '1234567.89')
    assert.equal(fenToYuan(-196), '-1.96')
    assert.equal(fenToYuan(Number.MAX_SAFE_INTEGER), '90071992547409.91')
    assert.throws(() => fenToYuan(1.5))
    assert.throws(() => fenToYuan(Number.NaN))
  })

  test('yuan strings become exact fen, and anything odd is refused', ({ assert }) => {
    assert.strictEqual(yuanToFen('0.07'), 7)
    assert.strictEqual(yuanToFen('0.29'), 29)
    assert.strictEqual(yuanToFen('1.1'), 110)
    assert.strictEqual(yuanToFen('12'), 1200)
    assert.strictEqual(yuanToFen('1234567.89'), 123456789)
    assert.strictEqual(yuanToFen('-1.96'), -196)
    assert.strictEqual(yuanToFen('-0.00'), 0)
    assert.strictEqual(yuanToFen('90071992547409.91'), Number.MAX_SAFE_INTEGER)
    for (const odd of ['', '.5', '1.005', '1e3', '1,00', '¥1.00', '0x10', '90071992547409.92']) {
      assert.isNull(yuanToFen(odd), odd)
    }
  })

  test('times are Beijing wall-clock both ways', ({ assert }) => {
    const instant = new Date('2026-11-24T16:30:05Z')
    assert.equal(toBeijingTime(instant), '2026-11-25 00:30:05')
    assert.equal(fromBeijingTime('2026-11-25 00:30:05')?.toISOString(), instant.toISOString())
    assert.isNull(fromBeijingTime('2026-11-25T00:30:05'))
    assert.isNull(fromBeijingTime(undefined))
  })
})

test.group('payment-alipay against the local gateway', (group) => {
  let gateway: FakeAlipay
  let provider: PaymentProvider
  let sequence = 0

  group.setup(async () => {
    gateway = await startFakeAlipay()
    provider = await alipay.create(await alipay.validateConfig(gateway.config()), testContext())
    return () => gateway.close()
  })

  function tradeNo() {
    sequence += 1
    return `AL${Date.now()}${sequence}`
  }

  async function open(amount: number, description = '充值') {
    const outTradeNo = tradeNo()
    await provider.createQrPayment({
      outTradeNo,
      amount,
      description,
      notifyUrl: 'http://127.0.0.1:9/not-listening',
      expiresAt: DateTime.now().plus({ minutes: 10 }).toJSDate(),
    })
    return outTradeNo
  }

  async function failure(work: Promise<unknown>) {
    const error = await work.then(
      () => null,
      (reason: unknown) => reason
    )
    if (!(error instanceof PluginProviderError)) throw new Error(`expected a provider error`)
    return error
  }

  test('the merchant is the PID with the app id', ({ assert }) => {
    assert.deepEqual(provider.merchant, { merchantId: gateway.sellerId, appId: gateway.appId })
  })

  test('amounts like 0.07 yuan travel exactly', async ({ assert }) => {
    const outTradeNo = await open(7)
    await gateway.pay(outTradeNo, { notify: false })
    const state = await provider.query(outTradeNo)
    assert.equal(state.status, 'paid')
    assert.strictEqual(state.amount, 7)
    assert.instanceOf(state.paidAt, Date)
  })

  test('an answer signed with a key other than the Alipay key is refused', async ({ assert }) => {
    gateway.forgeResponses(true)
    try {
      const error = await failure(open(100))
      assert.equal(error.providerCode, 'InvalidResponseSignature')
    } finally {
      gateway.forgeResponses(false)
    }
  })

  test('a request signed with another private key is refused by the gateway', async ({
    assert,
  }) => {
    const stranger = await alipay.create(
      await alipay.validateConfig({
        ...gateway.config(),
        privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      }),
      testContext()
    )
    const error = await failure(stranger.query('NOSUCHTRADE1'))
    assert.equal(error.providerCode, 'isv.invalid-signature')
    assert.match(error.message, /^payment-alipay: isv\.invalid-signature: /)
  })

  test('a PEM private key (PKCS#1) works as well as the bare base64', async ({ assert }) => {
    const withPem = await alipay.create(
      await alipay.validateConfig({
        ...gateway.config(),
        privateKey: gateway.applicationPrivateKey,
      }),
      testContext()
    )
    const unknown = await withPem.query('NOSUCHTRADE2')
    assert.equal(unknown.status, 'not_found')
  })

  test('a notification naming another app is still read, and says so', async ({ assert }) => {
    const outTradeNo = tradeNo()
    // The notification needs a listener; the contract suite's receiver is not here.
    const { createServer } = await import('node:http')
    const server = createServer((_, response) => response.end('success'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      await provider.createQrPayment({
        outTradeNo,
        amount: 250,
        description: '充值 2.50 元',
        notifyUrl: `http://127.0.0.1:${port}/notify`,
        expiresAt: DateTime.now().plus({ minutes: 10 }).toJSDate(),
      })
      const sent = await gateway.pay(outTradeNo, { appId: '2021999999999999' })
      const event = await provider.parseWebhook({ headers: sent!.headers, rawBody: sent!.rawBody })
      assert.equal(event?.kind, 'payment')
      assert.deepEqual(event!.merchant, { merchantId: gateway.sellerId, appId: '2021999999999999' })
      assert.notDeepEqual(event!.merchant, provider.merchant)
      assert.strictEqual(event!.amount, 250)

      // Without a PID the app id is the merchant's identity.
      const withoutPid: Record<string, unknown> = { ...gateway.config(), sellerId: undefined }
      const byApp = await alipay.create(await alipay.validateConfig(withoutPid), testContext())
      assert.deepEqual(byApp.merchant, { merchantId: gateway.appId, appId: gateway.appId })
      const seen = await byApp.parseWebhook({ headers: sent!.headers, rawBody: sent!.rawBody })
      assert.deepEqual(seen!.merchant, {
        merchantId: '2021999999999999',
        appId: '2021999999999999',
      })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  test('a scanned trade is pending, a closed one closed, a paid one cannot be closed', async ({
    assert,
  }) => {
    const waiting = await open(100)
    const unscanned = await provider.query(waiting)
    assert.equal(unscanned.status, 'not_found')
    gateway.scan(waiting)
    const pending = await provider.query(waiting)
    assert.equal(pending.status, 'pending')
    assert.isNull(pending.amount)
    await provider.close(waiting)
    const closed = await provider.query(waiting)
    assert.equal(closed.status, 'closed')

    const paid = await open(100)
    await gateway.pay(paid, { notify: false })
    const error = await failure(provider.close(paid))
    assert.equal(error.providerCode, 'ACQ.TRADE_STATUS_ERROR')
  })

  test('refunds: a retry reads as succeeded, too much fails, full refund reads refunded', async ({
    assert,
  }) => {
    const outTradeNo = await open(500)
    await gateway.pay(outTradeNo, { notify: false })
    const request = {
      outTradeNo,
      outRefundNo: `R${outTradeNo}`,
      amount: 300,
      total: 500,
      reason: '用户退款',
      notifyUrl: 'http://127.0.0.1:9/',
    }
    const first = await provider.refund(request)
    assert.equal(first.status, 'succeeded')
    const retry = await provider.refund(request)
    assert.equal(retry.status, 'succeeded')
    assert.equal(retry.raw.refund_status, 'REFUND_SUCCESS')

    const tooMuch = await provider.refund({
      ...request,
      outRefundNo: `X${outTradeNo}`,
      amount: 201,
    })
    assert.equal(tooMuch.status, 'failed')
    assert.equal(tooMuch.raw.sub_code, 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL')
    const neverTaken = await provider.queryRefund(outTradeNo, `X${outTradeNo}`)
    assert.equal(neverTaken.status, 'failed')

    await provider.refund({ ...request, outRefundNo: `Y${outTradeNo}`, amount: 200 })
    const state = await provider.query(outTradeNo)
    assert.equal(state.status, 'refunded')
    assert.strictEqual(state.amount, 500)
  })

  test('the bill, GBK with Chinese names, lists payments and refunds in fen', async ({
    assert,
  }) => {
    const outTradeNo = await open(5000, '充值 50.00 元（正商集团·康桥社区）')
    await gateway.pay(outTradeNo, { notify: false })
    await provider.refund({
      outTradeNo,
      outRefundNo: `R${outTradeNo}`,
      amount: 1,
      total: 5000,
      reason: '退 0.01 元',
      notifyUrl: 'http://127.0.0.1:9/',
    })
    const today = DateTime.now().setZone('Asia/Shanghai').toISODate()!
    const bill = await provider.downloadBill(today)
    const payment = bill.find((row) => row.outTradeNo === outTradeNo && row.kind === 'payment')
    const refund = bill.find((row) => row.outTradeNo === outTradeNo && row.kind === 'refund')
    assert.strictEqual(payment?.amount, 5000)
    assert.isNull(payment?.outRefundNo)
    assert.match(payment!.providerTradeNo!, /^\d{28}$/)
    assert.strictEqual(refund?.amount, 1)
    assert.equal(refund?.outRefundNo, `R${outTradeNo}`)
    assert.instanceOf(refund?.occurredAt, Date)

    const yesterday = DateTime.now().setZone('Asia/Shanghai').minus({ days: 1 }).toISODate()!
    const earlier = await provider.downloadBill(yesterday)
    assert.isFalse(earlier.some((row) => row.outTradeNo === outTradeNo))
  })
})
