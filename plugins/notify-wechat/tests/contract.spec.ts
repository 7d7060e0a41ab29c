import { test } from '@japa/runner'
import notifyWechat from '../index.js'
import { notifySenderContract, SAMPLE_NOTICES } from '#sdk/testing/notify_contract'
import { instantiatePlugin } from '#sdk/testing/context'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { startFakeWechatMp, type FakeWechatMp } from './fake_wechat_mp.js'

const TEMPLATES = {
  charge_started: 'tpl-started',
  charge_finished: 'tpl-finished',
  charge_abnormal: 'tpl-abnormal',
  low_balance: 'tpl-low',
}

function configFor(fake: FakeWechatMp) {
  return {
    appId: fake.appId,
    appSecret: fake.appSecret,
    chargeStartedTemplateId: TEMPLATES.charge_started,
    chargeFinishedTemplateId: TEMPLATES.charge_finished,
    chargeAbnormalTemplateId: TEMPLATES.charge_abnormal,
    lowBalanceTemplateId: TEMPLATES.low_balance,
    endpoint: fake.url,
  }
}

let fake: FakeWechatMp

notifySenderContract({
  plugin: notifyWechat,
  async setup() {
    fake = await startFakeWechatMp()
    fake.follow('o-rider-follows')
    return () => fake.close()
  },
  validConfig: () => configFor(fake),
  invalidConfigs: [
    null,
    {},
    { appId: 'not-an-app-id', appSecret: 'fake-app-secret-0123456789' },
    { appId: 'wx0123456789abcdef', appSecret: 'short' },
    { appId: 'wx0123456789abcdef', appSecret: 'fake-app-secret-0123456789', endpoint: 'ftp://x' },
  ],
  secrets: ['appSecret'],
  address: { openId: 'o-rider-follows' },
  refusedAddress: { openId: 'o-never-followed' },
  received(address) {
    if (!('openId' in address)) return null
    const last = fake.messages.findLast((message) => message.touser === address.openId)
    if (!last) return null
    const kind = Object.entries(TEMPLATES).find(([, id]) => id === last.template_id)?.[0]
    return {
      kind: kind as keyof typeof TEMPLATES,
      text: Object.values(last.data)
        .map((item) => item.value)
        .join('\n'),
    }
  },
})

test.group('notify-wechat', (group) => {
  group.each.setup(async () => {
    fake = await startFakeWechatMp()
    fake.follow('o-rider')
    return () => fake.close()
  })

  test('keeps the access_token between sends', async ({ assert }) => {
    const sender = await instantiatePlugin(notifyWechat, configFor(fake))
    await sender.send({ openId: 'o-rider' }, SAMPLE_NOTICES.charge_started)
    await sender.send({ openId: 'o-rider' }, SAMPLE_NOTICES.charge_finished)
    const again = await instantiatePlugin(notifyWechat, configFor(fake))
    await again.send({ openId: 'o-rider' }, SAMPLE_NOTICES.low_balance)
    assert.equal(fake.tokenRequests(), 1)
    assert.lengthOf(fake.messages, 3)
  })

  test('fetches a new token when WeChat answers 40001, and sends once', async ({ assert }) => {
    const sender = await instantiatePlugin(notifyWechat, configFor(fake))
    await sender.send({ openId: 'o-rider' }, SAMPLE_NOTICES.charge_started)
    fake.voidTokens()
    await sender.send({ openId: 'o-rider' }, SAMPLE_NOTICES.charge_finished)
    assert.equal(fake.tokenRequests(), 2)
    assert.lengthOf(fake.messages, 2)
  })

  test('sends the template JSON WeChat takes: touser, template_id, url, data values', async ({
    assert,
  }) => {
    const sender = await instantiatePlugin(notifyWechat, configFor(fake))
    await sender.send({ openId: 'o-rider' }, SAMPLE_NOTICES.charge_finished)
    const [message] = fake.messages
    assert.equal(message.touser, 'o-rider')
    assert.equal(message.template_id, TEMPLATES.charge_finished)
    assert.equal(message.url, SAMPLE_NOTICES.charge_finished.url)
    assert.deepEqual(message.data.keyword4, { value: '¥3.25' })
    assert.deepEqual(message.data.keyword5, { value: '¥16.75' })
    // Shanghai wall time of 04:05 UTC.
    assert.include(message.data.remark.value, '2026-12-07 12:05')
  })

  test('refuses a kind without a template id, and a wrong secret, with WeChat’s code', async ({
    assert,
  }) => {
    const withoutLow: Record<string, unknown> = {
      ...configFor(fake),
      lowBalanceTemplateId: undefined,
    }
    const sender = await instantiatePlugin(notifyWechat, withoutLow)
    const missing = await sender
      .send({ openId: 'o-rider' }, SAMPLE_NOTICES.low_balance)
      .catch((error: unknown) => error)
    assert.instanceOf(missing, PluginProviderError)
    assert.equal((missing as PluginProviderError).providerCode, 'TemplateNotConfigured')

    const wrong = await instantiatePlugin(notifyWechat, {
      ...configFor(fake),
      appId: 'wxfedcba9876543210',
    })
    const refused = await wrong
      .send({ openId: 'o-rider' }, SAMPLE_NOTICES.low_balance)
      .catch((error: unknown) => error)
    assert.equal((refused as PluginProviderError).providerCode, '40013')
    assert.lengthOf(fake.messages, 0)
  })
})
