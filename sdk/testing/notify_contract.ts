import { errors } from '@vinejs/vine'
import { PluginProviderError, type PluginDefinition } from '#sdk/contracts/plugin'
import {
  NOTICE_KINDS,
  type NoticeAddress,
  type NoticeKind,
  type RiderNotice,
} from '#sdk/contracts/notify'
import { isPluginDefinition } from '#sdk/define_plugin'
import { contractSuite, registerContract, type ContractSuite } from './contract.js'
import { instantiatePlugin } from './context.js'

/** A message as the provider (or its local stand-in) received it. */
export interface ReceivedNotice {
  kind: NoticeKind
  /** Everything the rider reads, as one text (template values, SMS text). */
  text: string
}

export interface NotifyContractOptions {
  plugin: PluginDefinition<'notify'>
  /** A config that works (called after `setup`, so it may name a local server's port). */
  validConfig(): Record<string, unknown>
  /** Configs the plugin's schema must refuse. */
  invalidConfigs: unknown[]
  /** The config fields the plugin must declare secret. */
  secrets: string[]
  /** An address the provider delivers to. */
  address: NoticeAddress
  /** An address of the same sort the provider refuses (unknown openid, not a mobile). */
  refusedAddress: NoticeAddress
  /** The last message the provider received for `address`. */
  received(address: NoticeAddress): ReceivedNotice | null | Promise<ReceivedNotice | null>
  /** Starts what the plugin talks to; returns its cleanup. */
  setup?(): Promise<() => Promise<void>>
}

/** One message of each kind, with fields a check can find again in what was received. */
export const SAMPLE_NOTICES: Record<NoticeKind, RiderNotice> = {
  charge_started: {
    kind: 'charge_started',
    fields: {
      orderNo: 'NT0000000000001',
      place: '一号站 1号桩 2号口',
      startedAt: '2026-12-07T02:00:00.000Z',
    },
    url: 'http://127.0.0.1:3333/h5/orders/NT0000000000001',
  },
  charge_finished: {
    kind: 'charge_finished',
    fields: {
      orderNo: 'NT0000000000002',
      place: '一号站 1号桩 2号口',
      endedAt: '2026-12-07T04:05:00.000Z',
      minutes: 125,
      energyWh: 310,
      amountFen: 325,
      balanceFen: 1675,
    },
    url: 'http://127.0.0.1:3333/h5/orders/NT0000000000002',
  },
  charge_abnormal: {
    kind: 'charge_abnormal',
    fields: {
      orderNo: 'NT0000000000003',
      place: '一号站 1号桩 2号口',
      at: '2026-12-07T03:00:00.000Z',
      reason: 'pile_offline',
      reasonText: '充电桩离线',
    },
    url: null,
  },
  low_balance: {
    kind: 'low_balance',
    fields: { balanceFen: 150, thresholdFen: 200 },
    url: null,
  },
}

/** What each sample's text must show the rider. */
const SHOWN: Record<NoticeKind, string[]> = {
  charge_started: ['NT0000000000001', '一号站 1号桩 2号口'],
  charge_finished: ['NT0000000000002', '3.25', '16.75'],
  charge_abnormal: ['NT0000000000003', '充电桩离线'],
  low_balance: ['1.50'],
}

function refusal(work: Promise<unknown>) {
  return work.then(
    () => null,
    (error: unknown) => error
  )
}

/**
 * The contract every `notify` plugin passes: its own tests call this with
 * what it needs (plugins/<id>/tests/contract.spec.ts).
 */
export function notifyContractSuite(options: NotifyContractOptions): ContractSuite {
  const { plugin } = options
  const reaches = (address: NoticeAddress) =>
    plugin.capabilities.includes('openId' in address ? 'openid' : 'phone')

  return contractSuite(
    { title: `notify contract: ${plugin.id}`, setup: options.setup },
    (check) => {
      check('is a notify plugin that says which addresses it reaches', async (assert) => {
        assert.isTrue(isPluginDefinition(plugin), 'not made by definePlugin')
        assert.equal(plugin.kind, 'notify')
        assert.isTrue(
          plugin.capabilities.includes('openid') || plugin.capabilities.includes('phone'),
          'declares neither openid nor phone'
        )
        assert.isTrue(reaches(options.address), 'the test address is of a sort it does not reach')
      })

      check('accepts a valid config and refuses invalid ones', async (assert) => {
        await plugin.validateConfig(options.validConfig())
        for (const config of options.invalidConfigs) {
          const refused = await refusal(plugin.validateConfig(config))
          assert.instanceOf(
            refused,
            errors.E_VALIDATION_ERROR,
            `config ${JSON.stringify(config)} was accepted`
          )
        }
      })

      check('declares its secrets among its config fields', async (assert) => {
        assert.sameMembers([...plugin.secrets], options.secrets)
        assert.includeMembers([...plugin.configFields], [...plugin.secrets])
      })

      check('sends each kind of message with its fields, the bill to the fen', async (assert) => {
        const sender = await instantiatePlugin(plugin, options.validConfig())
        for (const kind of NOTICE_KINDS) {
          const { providerMessageId } = await sender.send(options.address, SAMPLE_NOTICES[kind])
          assert.isString(providerMessageId)
          assert.isAbove(providerMessageId.length, 0)
          const received = await options.received(options.address)
          assert.equal(received?.kind, kind)
          for (const shown of SHOWN[kind]) assert.include(received?.text ?? '', shown, kind)
        }
      })

      check('reports a provider refusal clearly', async (assert) => {
        const sender = await instantiatePlugin(plugin, options.validConfig())
        const error = await refusal(
          sender.send(options.refusedAddress, SAMPLE_NOTICES.charge_finished)
        )
        assert.instanceOf(error, PluginProviderError)
        const refused = error as PluginProviderError
        assert.equal(refused.pluginId, plugin.id)
        assert.isAbove(refused.providerCode.length, 0)
        assert.include(refused.message, refused.providerCode)
      })

      check('refuses an address of a sort it does not reach, without sending', async (assert) => {
        const sender = await instantiatePlugin(plugin, options.validConfig())
        const others: NoticeAddress[] = [{ openId: 'o-contract-other' }, { phone: '13800138000' }]
        for (const address of others.filter((candidate) => !reaches(candidate))) {
          const error = await refusal(sender.send(address, SAMPLE_NOTICES.low_balance))
          assert.instanceOf(error, PluginProviderError)
          assert.isNull(await options.received(address))
        }
      })
    }
  )
}

/** Registers the notify contract as a Japa group: what a plugin's tests/contract.spec.ts calls. */
export function notifySenderContract(options: NotifyContractOptions) {
  registerContract(notifyContractSuite(options))
}
