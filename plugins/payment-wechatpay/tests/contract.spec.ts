import { execFileSync } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { instantiatePlugin } from '#sdk/testing/context'
import { DateTime } from 'luxon'
import wechatpay from '../index.js'
import { parseTradeBill, yuanToFen } from '../bill.js'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { PaymentWebhookRejected, type PaymentProvider } from '#sdk/contracts/payment'
import { paymentProviderContract } from '#sdk/testing/payment_contract'
import { startFakeWechatpay, type FakeWechatpay } from './fake_wechatpay.js'

const otherKey = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()

const VALID = {
  appId: 'wxd678efh567hg6787',
  mchId: '1900009191',
  merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  merchantPrivateKey: otherKey(),
  apiV3Key: 'a'.repeat(32),
  platformPublicKeyId: 'PUB_KEY_ID_0119000091912024',
  platformPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
}

paymentProviderContract({
  plugin: wechatpay,
  start: startFakeWechatpay,
  invalidConfigs: [
    {},
    { ...VALID, appId: 'wx123' },
    { ...VALID, mchId: '19000x9191' },
    { ...VALID, merchantSerialNo: 'not-hex' },
    {
      ...VALID,
      merchantPrivateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----',
    },
    { ...VALID, apiV3Key: 'a'.repeat(31) },
    { ...VALID, platformPublicKey: 'not a pem' },
    { ...VALID, platformPublicKey: undefined },
    { ...VALID, platformPublicKeyId: undefined, platformPublicKey: undefined },
    { ...VALID, baseUrl: 'ftp://example.com' },
  ],
  secrets: ['merchantPrivateKey', 'apiV3Key'],
})

async function instantiate(config: Record<string, unknown>) {
  return instantiatePlugin(wechatpay, config)
}

async function failure(work: Promise<unknown>) {
  return work.then(
    () => null,
    (error: unknown) => error
  )
}

test.group('payment-wechatpay', (group) => {
  let gateway: FakeWechatpay
  let provider: PaymentProvider
  let sequence = 0

  group.setup(async () => {
    gateway = await startFakeWechatpay()
    provider = await instantiate(gateway.config())
    return () => gateway.close()
  })

  async function paidOrder(amount = 990) {
    sequence += 1
    const outTradeNo = `WX${Date.now()}${sequence}`
    await provider.createQrPayment({
      outTradeNo,
      amount,
      description: '充值 9.90 元',
      notifyUrl: 'http://127.0.0.1:9/notify',
      expiresAt: new Date(Date.now() + 600_000),
    })
    await gateway.pay(outTradeNo, { notify: false })
    return outTradeNo
  }

  test('an answer whose body no longer matches its signature is refused', async ({ assert }) => {
    const outTradeNo = await paidOrder()
    gateway.tamperNextAnswer()
    const error = await failure(provider.query(outTradeNo))
    assert.instanceOf(error, PluginProviderError)
    assert.equal((error as PluginProviderError).providerCode, 'RESPONSE_SIGNATURE_INVALID')
  })

  test('a request signed with the wrong merchant key is refused with SIGN_ERROR', async ({
    assert,
  }) => {
    const wrong = await instantiate({ ...gateway.config(), merchantPrivateKey: otherKey() })
    const error = await failure(wrong.query('WX-never-created'))
    assert.instanceOf(error, PluginProviderError)
    assert.equal((error as PluginProviderError).providerCode, 'SIGN_ERROR')
    assert.match((error as PluginProviderError).message, /^payment-wechatpay: SIGN_ERROR: /)
    assert.isNotNull((error as PluginProviderError).requestId)
  })

  test('an unknown order is not_found; closing twice is fine; a paid order will not close', async ({
    assert,
  }) => {
    const unknown = await provider.query('WX-never-created')
    assert.equal(unknown.status, 'not_found')
    sequence += 1
    const outTradeNo = `WXC${Date.now()}${sequence}`
    await provider.createQrPayment({
      outTradeNo,
      amount: 100,
      description: '充值 1.00 元',
      notifyUrl: 'http://127.0.0.1:9/notify',
      expiresAt: new Date(Date.now() + 600_000),
    })
    await provider.close(outTradeNo)
    await provider.close(outTradeNo)
    const closed = await provider.query(outTradeNo)
    assert.equal(closed.status, 'closed')
    const error = await failure(provider.close(await paidOrder()))
    assert.equal((error as PluginProviderError).providerCode, 'ORDERPAID')
  })

  test('a notification whose AES-GCM tag was changed is rejected', async ({ assert }) => {
    const resource = { mchid: '1900009191', out_trade_no: 'WX1', trade_state: 'SUCCESS' }
    const sent = gateway.notification('TRANSACTION.SUCCESS', resource, { tamperTag: true })
    const error = await failure(provider.parseWebhook(sent))
    assert.instanceOf(error, PaymentWebhookRejected)
    assert.match((error as Error).message, /cannot read the notification/)
  })

  test('a notification signed more than 5 minutes ago is rejected, a fresh one taken', async ({
    assert,
  }) => {
    const resource = {
      mchid: '1900009191',
      appid: 'wxd678efh567hg6787',
      out_trade_no: 'WX2',
      transaction_id: '4200000001',
      trade_state: 'SUCCESS',
      success_time: '2024-05-01T10:22:33+08:00',
      amount: { total: 1999, payer_total: 1999, currency: 'CNY' },
    }
    const stale = gateway.notification('TRANSACTION.SUCCESS', resource, {
      timestamp: Math.floor(Date.now() / 1000) - 301,
    })
    const error = await failure(provider.parseWebhook(stale))
    assert.instanceOf(error, PaymentWebhookRejected)
    assert.match((error as Error).message, /more than 5 minutes/)

    const fresh = await provider.parseWebhook(gateway.notification('TRANSACTION.SUCCESS', resource))
    assert.deepInclude(fresh, { kind: 'payment', outTradeNo: 'WX2', amount: 1999 })
    assert.equal(
      (fresh as { paidAt: Date }).paidAt.toISOString(),
      new Date('2024-05-01T02:22:33Z').toISOString()
    )
  })

  test('a notification from an unknown key serial is rejected; other events are ignored', async ({
    assert,
  }) => {
    const sent = gateway.notification('TRANSACTION.SUCCESS', { out_trade_no: 'WX3' })
    const error = await failure(
      provider.parseWebhook({
        ...sent,
        headers: { ...sent.headers, 'wechatpay-serial': 'PUB_KEY_ID_0000' },
      })
    )
    assert.match((error as Error).message, /unknown platform key serial/)
    const other = gateway.notification('MCHTRANSFER.BILL.FINISHED', { out_bill_no: 'X' })
    assert.isNull(await provider.parseWebhook(other))
  })

  test('a signature respelled in non-canonical base64 is rejected; its canonical text taken', async ({
    assert,
  }) => {
    const sent = gateway.notification('TRANSACTION.SUCCESS', {
      mchid: '1900009191',
      appid: 'wxd678efh567hg6787',
      out_trade_no: 'WX4',
      transaction_id: '4200000004',
      trade_state: 'SUCCESS',
      success_time: '2024-05-01T10:22:33+08:00',
      amount: { total: 500, payer_total: 500, currency: 'CNY' },
    })
    const signature = sent.headers['wechatpay-signature']!
    // Node's lenient decoder reads every one of these as the same signature bytes.
    const respellings = [
      ` ${signature}`,
      `${signature.slice(0, 10)}\n${signature.slice(10)}`,
      signature.replace(/=+$/, ''),
      `${signature}=`,
      `${signature}!`,
    ]
    for (const respelled of respellings) {
      assert.notEqual(respelled, signature)
      const error = await failure(
        provider.parseWebhook({
          ...sent,
          headers: { ...sent.headers, 'wechatpay-signature': respelled },
        })
      )
      assert.instanceOf(error, PaymentWebhookRejected, JSON.stringify(respelled))
      assert.match((error as Error).message, /not canonical base64/)
    }
    assert.deepInclude(await provider.parseWebhook(sent), { kind: 'payment', outTradeNo: 'WX4' })
  })

  test('platform certificates (平台证书) verify what is signed with their key, by serial', async ({
    assert,
  }) => {
    // A self-signed certificate stands in for one WeChat Pay issued; node:crypto cannot make one.
    const folder = await mkdtemp(join(tmpdir(), 'wechatpay-'))
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
        ...[
          '-subj',
          '/CN=Tenpay.com',
          '-keyout',
          join(folder, 'key.pem'),
          '-out',
          join(folder, 'cert.pem'),
        ],
      ],
      { stdio: 'ignore' }
    )
    const certificate = await readFile(join(folder, 'cert.pem'), 'utf8')
    const key = createPrivateKey(await readFile(join(folder, 'key.pem'), 'utf8'))
    await rm(folder, { recursive: true })
    const serial = new X509Certificate(certificate).serialNumber.toLowerCase()

    const resource = {
      mchid: '1900009191',
      appid: 'wxd678efh567hg6787',
      out_trade_no: 'WX5',
      transaction_id: '4200000005',
      trade_state: 'SUCCESS',
      success_time: '2024-05-01T10:22:33+08:00',
      amount: { total: 1 },
    }
    const byCertificate = gateway.notification('TRANSACTION.SUCCESS', resource, { key, serial })
    const both = await instantiate({ ...gateway.config(), platformCertificates: [certificate] })
    assert.deepInclude(await both.parseWebhook(byCertificate), { outTradeNo: 'WX5' })
    assert.isNotNull(await both.parseWebhook(gateway.notification('TRANSACTION.SUCCESS', resource)))

    const only = await instantiate({
      ...gateway.config(),
      platformPublicKeyId: undefined,
      platformPublicKey: undefined,
      platformCertificates: [certificate],
    })
    assert.isNotNull(await only.parseWebhook(byCertificate))
    const error = await failure(
      only.parseWebhook({
        ...byCertificate,
        headers: { ...byCertificate.headers, 'wechatpay-serial': `${serial}0` },
      })
    )
    assert.instanceOf(error, PaymentWebhookRejected)
  })

  test('refund notifications that did not succeed map to failed', async ({ assert }) => {
    const resource = {
      mchid: '1900009191',
      out_trade_no: 'WX4',
      out_refund_no: 'RWX4',
      refund_id: '50000001',
      amount: { total: 500, refund: 200, payer_total: 500, payer_refund: 200 },
    }
    for (const status of ['ABNORMAL', 'CLOSED']) {
      const parsed = await provider.parseWebhook(
        gateway.notification(`REFUND.${status}`, { ...resource, refund_status: status })
      )
      assert.deepInclude(parsed, { kind: 'refund', status: 'failed', amount: 200 })
    }
  })

  test('webhook replies in WeChat Pay format', async ({ assert }) => {
    assert.deepEqual(provider.webhookReply(true), { status: 204, body: '' })
    const refused = provider.webhookReply(false, '验签失败')
    assert.equal(refused.status, 400)
    assert.deepEqual(JSON.parse(refused.body), { code: 'FAIL', message: '验签失败' })
  })

  test('a bill whose SHA1 does not match the announced one is refused', async ({ assert }) => {
    await paidOrder(1999)
    gateway.corruptNextBillHash()
    const today = DateTime.now().setZone('Asia/Shanghai').toISODate()!
    const error = await failure(provider.downloadBill(today))
    assert.equal((error as PluginProviderError).providerCode, 'BILL_HASH_MISMATCH')
    const bill = await provider.downloadBill(today)
    assert.isTrue(bill.some((row) => row.amount === 1999))
  })

  test('a day without trades has an empty bill', async ({ assert }) => {
    assert.deepEqual(await provider.downloadBill('2020-01-01'), [])
  })
})

test.group('payment-wechatpay bill parsing', () => {
  test('yuan strings become exact fen', ({ assert }) => {
    const cases: [string, number][] = [
      ['0.01', 1],
      ['0.1', 10],
      ['5', 500],
      ['19.99', 1999],
      ['0.29', 29],
      ['1.00', 100],
      ['0.60000', 60],
      ['1234567.89', 123456789],
      ['00012.30', 1230],
    ]
    for (const [text, fen] of cases) assert.strictEqual(yuanToFen(text), fen, text)
    for (const text of ['', '-1.00', '1,000.00', '0.015', '1.2.3', '¥1.00', '90071992547409.92']) {
      assert.throws(() => yuanToFen(text), /in yuan|below one fen|too large/)
    }
  })

  test('rows are read by column name; commas in a field and the summary do not confuse it', ({
    assert,
  }) => {
    const csv = [
      '\uFEFF交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
      '`2024-05-01 23:59:59,`wxd678efh567hg6787,`1900009191,`0,`,`4200001,`P1,`oUp,`NATIVE,`SUCCESS,`OTHERS,`CNY,`19.99,`0.00,`0,`0,`0.00,`0.00,`,`,`充值,套餐,`,`0.12000,`0.60%,`19.99,`0.00,`',
      '`2024-05-01 08:00:00,`wxd678efh567hg6787,`1900009191,`0,`,`4200001,`P1,`oUp,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5000001,`RP1,`0.30,`0.00,`ORIGINAL,`SUCCESS,`充值,`,`0.00,`0.60%,`0.00,`0.30,`',
      '`2024-05-01 09:00:00,`wxd678efh567hg6787,`1900009191,`0,`,`4200002,`P2,`oUp,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5000002,`RP2,`0.30,`0.00,`ORIGINAL,`PROCESSING,`充值,`,`0.00,`0.60%,`0.00,`0.30,`',
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      '`3,`19.99,`0.30,`0.00,`0.12000,`19.99,`0.30',
    ].join('\r\n')
    const rows = parseTradeBill(csv)
    assert.deepEqual(rows, [
      {
        kind: 'payment',
        outTradeNo: 'P1',
        outRefundNo: null,
        providerTradeNo: '4200001',
        amount: 1999,
        occurredAt: new Date('2024-05-01T15:59:59Z'),
      },
      {
        kind: 'refund',
        outTradeNo: 'P1',
        outRefundNo: 'RP1',
        providerTradeNo: '4200001',
        amount: 30,
        occurredAt: new Date('2024-05-01T00:00:00Z'),
      },
    ])
  })
})
