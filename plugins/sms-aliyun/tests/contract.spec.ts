import { test } from '@japa/runner'
import { testContext } from '#sdk/testing/context'
import smsAliyun from '../index.js'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { smsSenderContract } from '#sdk/testing/sms_contract'
import { startFakeDysmsapi, type FakeDysmsapi } from './fake_dysmsapi.js'

const KEY_ID = 'LTAI5tTestKeyId0001'
const KEY_SECRET = 'test-access-key-secret-0001'
let aliyun: FakeDysmsapi

async function startAliyun() {
  aliyun = await startFakeDysmsapi({ [KEY_ID]: KEY_SECRET })
  return () => aliyun.close()
}

const BASE = {
  accessKeyId: KEY_ID,
  accessKeySecret: KEY_SECRET,
  signName: '桩行天下',
  templateCode: 'SMS_154950909',
  endpoint: 'http://127.0.0.1:1/',
}

/** A working config, aimed at the local stand-in started by the group. */
function config(overrides: Record<string, unknown> = {}) {
  return { ...BASE, endpoint: aliyun.url, ...overrides }
}

smsSenderContract({
  plugin: smsAliyun,
  setup: startAliyun,
  validConfig: () => config(),
  invalidConfigs: [
    {},
    { ...BASE, accessKeySecret: '' },
    { ...BASE, templateCode: 'not-a-template' },
    { ...BASE, endpoint: 'ftp://example.com' },
  ],
  secrets: ['accessKeySecret'],
  received: (phone) => aliyun.receivedCode(phone),
})

test.group('sms-aliyun', (group) => {
  group.setup(startAliyun)

  test('a wrong secret is refused by the signature check, and the error says so', async ({
    assert,
  }) => {
    const sender = await smsAliyun.create(config({ accessKeySecret: 'wrong' }), testContext())
    const error = await sender.sendVerificationCode({ phone: '13700137000', code: '123456' }).then(
      () => null,
      (reason: unknown) => reason
    )
    assert.instanceOf(error, PluginProviderError)
    assert.equal((error as PluginProviderError).providerCode, 'SignatureDoesNotMatch')
    assert.match((error as PluginProviderError).message, /^sms-aliyun: SignatureDoesNotMatch: /)
    assert.isNotNull((error as PluginProviderError).requestId)
    assert.isNull(aliyun.receivedCode('13700137000'))
  })

  test('values that need percent-encoding (Chinese, spaces, *) sign right', async ({ assert }) => {
    const sender = await smsAliyun.create(config({ signName: '桩 行*天下(测试)' }), testContext())
    await sender.sendVerificationCode({
      phone: '13700137001',
      code: '654321',
      templateParams: { product: "e-bike ~ 'charge'!" },
    })
    assert.equal(aliyun.receivedCode('13700137001'), '654321')
  })

  test('an unreachable endpoint is a clear provider error', async ({ assert }) => {
    const sender = await smsAliyun.create(
      config({ endpoint: 'http://127.0.0.1:9/' }),
      testContext()
    )
    const error = await sender.sendVerificationCode({ phone: '13700137002', code: '123456' }).then(
      () => null,
      (reason: unknown) => reason
    )
    assert.instanceOf(error, PluginProviderError)
    assert.equal((error as PluginProviderError).providerCode, 'Unreachable')
  })
})

test.group('sms-aliyun rider notices', (group) => {
  group.setup(startAliyun)

  test('sends a notice with the kind’s registered template and its values', async ({ assert }) => {
    const sender = await smsAliyun.create(
      config({ chargeFinishedTemplateCode: 'SMS_480000001' }),
      testContext()
    )
    const { providerMessageId } = await sender.sendNotice({
      phone: '13700137001',
      kind: 'charge_finished',
      text: '您的充电已结束',
      templateParams: { orderNo: 'NT0000000000002', amount: '1.50', balance: '8.50' },
    })
    assert.isAbove(providerMessageId.length, 0)
    assert.deepEqual(aliyun.receivedMessage('13700137001'), {
      templateCode: 'SMS_480000001',
      params: { orderNo: 'NT0000000000002', amount: '1.50', balance: '8.50' },
    })
  })

  test('a kind without a template is refused before anything is sent', async ({ assert }) => {
    const sender = await smsAliyun.create(config(), testContext())
    const error = await sender
      .sendNotice({ phone: '13700137002', kind: 'low_balance', text: '', templateParams: {} })
      .then(
        () => null,
        (reason: unknown) => reason
      )
    assert.equal((error as PluginProviderError).providerCode, 'TemplateNotConfigured')
    assert.isNull(aliyun.receivedMessage('13700137002'))
  })
})
