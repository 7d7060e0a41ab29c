import { test } from '@japa/runner'
import smsLog from '../index.js'
import type { PluginLogger } from '#sdk/logger'
import { smsSenderContract } from '#sdk/testing/sms_contract'
import { testContext } from '#sdk/testing/context'

smsSenderContract({
  plugin: smsLog,
  validConfig: () => ({}),
  invalidConfigs: [null, 'text'],
  secrets: [],
  async received(phone) {
    const sender = await smsLog.create({}, testContext())
    return sender.lastDelivered(phone)?.code ?? null
  },
})

test.group('sms-log', () => {
  test('keeps the last code per tenant and phone', async ({ assert }) => {
    const first = await smsLog.create({}, testContext({ tenantId: 1 }))
    const second = await smsLog.create({}, testContext({ tenantId: 2 }))
    await first.sendVerificationCode({ phone: '13900139000', code: '111111' })
    await first.sendVerificationCode({ phone: '13900139000', code: '222222' })
    assert.equal(first.lastDelivered('13900139000')?.code, '222222')
    assert.isNull(second.lastDelivered('13900139000'))
  })
})

test.group('sms-log in production', (group) => {
  const nodeEnv = process.env.NODE_ENV
  group.each.teardown(() => {
    process.env.NODE_ENV = nodeEnv
  })

  test('never writes a code to the log', async ({ assert }) => {
    const lines: unknown[] = []
    const captured = { info: (...args: unknown[]) => lines.push(args) } as unknown as PluginLogger
    const sender = await smsLog.create({}, testContext({ tenantId: 1, logger: captured }))
    process.env.NODE_ENV = 'production'
    await sender.sendVerificationCode({ phone: '13900139001', code: '482913' })
    assert.lengthOf(lines, 1)
    assert.notInclude(JSON.stringify(lines), '482913')

    process.env.NODE_ENV = 'development'
    await sender.sendVerificationCode({ phone: '13900139001', code: '573024' })
    assert.include(JSON.stringify(lines[1]), '573024')
  })
})
