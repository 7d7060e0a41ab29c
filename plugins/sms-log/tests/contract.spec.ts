import { test } from '@japa/runner'
import smsLog from '../index.js'
import PluginRegistry from '#plugins/registry'
import logger from '@adonisjs/core/services/logger'
import { smsSenderContract } from '#tests/contracts/sms_contract'
import { publicUrl } from '#config/app'

smsSenderContract({
  plugin: smsLog,
  validConfig: () => ({}),
  invalidConfigs: [null, 'text'],
  secrets: [],
  async received(phone) {
    const sender = await smsLog.create({}, { tenantId: null, logger, publicUrl })
    return sender.lastDelivered(phone)?.code ?? null
  },
})

test.group('sms-log', () => {
  test('keeps the last code per tenant and phone', async ({ assert }) => {
    const first = await smsLog.create({}, { tenantId: 1, logger, publicUrl })
    const second = await smsLog.create({}, { tenantId: 2, logger, publicUrl })
    await first.sendVerificationCode({ phone: '13900139000', code: '111111' })
    await first.sendVerificationCode({ phone: '13900139000', code: '222222' })
    assert.equal(first.lastDelivered('13900139000')?.code, '222222')
    assert.isNull(second.lastDelivered('13900139000'))
  })

  test('never loads in production', async ({ assert }) => {
    const registry = new PluginRegistry({ production: true, logger, publicUrl })
    registry.register(smsLog)
    assert.isNull(registry.find('sms-log', 'sms'))
    assert.lengthOf(registry.list('sms'), 0)
  })
})

test.group('sms-log in production', (group) => {
  const nodeEnv = process.env.NODE_ENV
  group.each.teardown(() => {
    process.env.NODE_ENV = nodeEnv
  })

  test('never writes a code to the log', async ({ assert }) => {
    const lines: unknown[] = []
    const captured = { info: (...args: unknown[]) => lines.push(args) } as unknown as typeof logger
    const sender = await smsLog.create({}, { tenantId: 1, logger: captured, publicUrl })
    process.env.NODE_ENV = 'production'
    await sender.sendVerificationCode({ phone: '13900139001', code: '482913' })
    assert.lengthOf(lines, 1)
    assert.notInclude(JSON.stringify(lines), '482913')

    process.env.NODE_ENV = 'development'
    await sender.sendVerificationCode({ phone: '13900139001', code: '573024' })
    assert.include(JSON.stringify(lines[1]), '573024')
  })
})
