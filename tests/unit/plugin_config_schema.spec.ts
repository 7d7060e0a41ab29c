import { test } from '@japa/runner'
import vine, { errors, SimpleMessagesProvider } from '@vinejs/vine'
import app from '@adonisjs/core/services/app'
import { definePlugin } from '#sdk/define_plugin'

const plugin = definePlugin({
  id: 'payment-schema-test',
  kind: 'sms',
  version: '1.0.0',
  config: vine.create({
    merchantId: vine.string().regex(/^\d+$/),
    delayMs: vine.number().optional(),
    dropNotifications: vine.boolean().optional(),
    certificates: vine.array(vine.string()).optional(),
  }),
  secrets: [],
  capabilities: [],
  create: () => ({ sendVerificationCode: async () => ({ providerMessageId: 'x' }) }),
})

test.group('Plugin config schema', () => {
  test('each config field comes with its type, for the settings form', ({ assert }) => {
    assert.deepEqual(
      [...plugin.configSchema],
      [
        { name: 'merchantId', type: 'string', optional: false },
        { name: 'delayMs', type: 'number', optional: true },
        { name: 'dropNotifications', type: 'boolean', optional: true },
        { name: 'certificates', type: 'list', optional: true },
      ]
    )
  })

  test('the shipped payment plugins describe their PEM and list fields', async ({ assert }) => {
    const registry = await app.container.make('plugins')
    const wechat = registry.get('payment-wechatpay')!
    const field = (name: string) => wechat.configSchema.find((entry) => entry.name === name)
    assert.deepEqual(field('merchantPrivateKey'), {
      name: 'merchantPrivateKey',
      type: 'string',
      optional: false,
    })
    assert.equal(field('platformCertificates')?.type, 'list')
    assert.deepEqual(
      registry.list('payment').map((entry) => entry.configSchema.length),
      registry.list('payment').map((entry) => entry.configFields.length)
    )
  })

  test('validation messages come from the messages provider given', async ({ assert }) => {
    const messagesProvider = new SimpleMessagesProvider({ regex: '{{ field }} 格式不正确' })
    const error = await plugin
      .validateConfig({ merchantId: 'abc' }, { messagesProvider })
      .catch((caught) => caught)
    assert.instanceOf(error, errors.E_VALIDATION_ERROR)
    assert.deepEqual(
      error.messages.map((message: { field: string; message: string }) => [
        message.field,
        message.message,
      ]),
      [['merchantId', 'merchantId 格式不正确']]
    )
  })
})
