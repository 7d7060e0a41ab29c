import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { errors } from '@vinejs/vine'
import { PluginProviderError, type PluginDefinition } from '#plugins/contracts'

export interface SmsContractOptions {
  plugin: PluginDefinition<'sms'>
  /** A config that works (called after `setup`, so it may name a local server's port). */
  validConfig(): Record<string, unknown>
  /** Configs the plugin's schema must refuse. */
  invalidConfigs: unknown[]
  /** The config fields the plugin must declare secret. */
  secrets: string[]
  /** The code the phone received, as the provider (or its local stand-in) saw it. */
  received(phone: string): string | null | Promise<string | null>
  /** Starts what the plugin talks to; returns its cleanup. */
  setup?(): Promise<() => Promise<void>>
}

/**
 * The contract every `sms` plugin passes: its own tests call this with
 * what it needs (plugins/<id>/tests/contract.spec.ts).
 */
export function smsSenderContract(options: SmsContractOptions) {
  const { plugin } = options

  test.group(`sms contract: ${plugin.id}`, (group) => {
    if (options.setup) group.setup(options.setup)

    test('is found under plugins/ by the registry as an sms sender', async ({ assert }) => {
      const registry = await app.container.make('plugins')
      assert.strictEqual(registry.find(plugin.id, 'sms'), plugin)
      assert.include(plugin.capabilities, 'verification-code')
    })

    test('accepts a valid config and refuses invalid ones', async ({ assert }) => {
      await plugin.validateConfig(options.validConfig())
      for (const config of options.invalidConfigs) {
        const refusal = await plugin.validateConfig(config).then(
          () => null,
          (error: unknown) => error
        )
        assert.instanceOf(
          refusal,
          errors.E_VALIDATION_ERROR,
          `config ${JSON.stringify(config)} was accepted`
        )
      }
    })

    test('declares its secrets, which never show in full', async ({ assert }) => {
      const registry = await app.container.make('plugins')
      assert.sameMembers([...plugin.secrets], options.secrets)
      const config = await plugin.validateConfig(options.validConfig())
      const shown = JSON.stringify(registry.maskConfig(plugin, config))
      for (const secret of plugin.secrets) {
        assert.notInclude(shown, String(config[secret]))
      }
      const { secrets } = registry.splitSecrets(plugin, config)
      assert.sameMembers(Object.keys(secrets), [...plugin.secrets])
    })

    test('sends a verification code and answers with the provider message id', async ({
      assert,
    }) => {
      const registry = await app.container.make('plugins')
      const sender = await registry.instantiate(plugin, options.validConfig(), { tenantId: null })
      const phone = '13800138000'
      const { providerMessageId } = await sender.sendVerificationCode({ phone, code: '482913' })
      assert.isString(providerMessageId)
      assert.isAbove(providerMessageId.length, 0)
      assert.equal(await options.received(phone), '482913')
    })

    test('reports a provider refusal clearly', async ({ assert }) => {
      const registry = await app.container.make('plugins')
      const sender = await registry.instantiate(plugin, options.validConfig(), { tenantId: null })
      const error = await sender.sendVerificationCode({ phone: '12345', code: '482913' }).then(
        () => null,
        (reason: unknown) => reason
      )
      assert.instanceOf(error, PluginProviderError)
      const refusal = error as PluginProviderError
      assert.equal(refusal.pluginId, plugin.id)
      assert.isAbove(refusal.providerCode.length, 0)
      assert.include(refusal.message, refusal.providerCode)
    })
  })
}
