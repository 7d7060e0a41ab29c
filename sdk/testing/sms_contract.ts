import { errors } from '@vinejs/vine'
import { PluginProviderError, type PluginDefinition } from '#sdk/contracts/plugin'
import { isPluginDefinition } from '#sdk/define_plugin'
import { contractSuite, registerContract, type ContractSuite } from './contract.js'
import { instantiatePlugin } from './context.js'

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
export function smsContractSuite(options: SmsContractOptions): ContractSuite {
  const { plugin } = options

  return contractSuite({ title: `sms contract: ${plugin.id}`, setup: options.setup }, (check) => {
    check('is an sms plugin that sends verification codes', async (assert) => {
      assert.isTrue(isPluginDefinition(plugin), 'not made by definePlugin')
      assert.equal(plugin.kind, 'sms')
      assert.include(plugin.capabilities, 'verification-code')
    })

    check('accepts a valid config and refuses invalid ones', async (assert) => {
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

    check('declares its secrets among its config fields', async (assert) => {
      assert.sameMembers([...plugin.secrets], options.secrets)
      assert.includeMembers([...plugin.configFields], [...plugin.secrets])
    })

    check('sends a verification code and answers with the provider message id', async (assert) => {
      const sender = await instantiatePlugin(plugin, options.validConfig())
      const phone = '13800138000'
      const { providerMessageId } = await sender.sendVerificationCode({ phone, code: '482913' })
      assert.isString(providerMessageId)
      assert.isAbove(providerMessageId.length, 0)
      assert.equal(await options.received(phone), '482913')
    })

    check('reports a provider refusal clearly', async (assert) => {
      const sender = await instantiatePlugin(plugin, options.validConfig())
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

/** Registers the sms contract as a Japa group: what a plugin's tests/contract.spec.ts calls. */
export function smsSenderContract(options: SmsContractOptions) {
  registerContract(smsContractSuite(options))
}
