import { randomInt } from 'node:crypto'
import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import limiter from '@adonisjs/limiter/services/main'
import DomainRefusal from '#exceptions/domain_refusal'
import TenantPlugin from '#models/tenant_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import TenantPluginService from '#plugins/tenant_plugins'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'

/** A test send refused before reaching the provider; an i18n key under `sms_settings.` */
class SmsTestRefused extends DomainRefusal<'testLimited' | 'notSms'> {
  constructor(reason: SmsTestRefused['reason']) {
    super('sms_settings', reason)
  }
}

/** Test sends a tenant may make: each one is a text paid for and a phone disturbed. */
export const TEST_SEND_LIMIT = { requests: 5, duration: '1 hour', blockDuration: '1 hour' }

/** Whether the provider took the message; its error code only, as its message may echo the request. */
export type SmsTestResult =
  { accepted: true; providerMessageId: string } | { accepted: false; providerCode: string }

/**
 * 配置 → 短信配置's test send: one verification-code text with a random code
 * (never stored, so it opens nothing) through one stored SMS setting,
 * enabled or not, so an admin checks the credentials, signature and
 * template before riders depend on them. Bounded per tenant; each attempt
 * is audited with its outcome.
 */
@inject()
export default class SmsTestSendService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  async send(settingId: number, phone: string): Promise<SmsTestResult> {
    const setting = await this.tenant.run((trx) =>
      this.tenant.query(TenantPlugin, trx).where('id', settingId).firstOrFail()
    )
    if (setting.kind !== 'sms') throw new SmsTestRefused('notSms')
    const state = await limiter
      .use(TEST_SEND_LIMIT)
      .increment(`sms_test_send_tenant_${this.tenant.tenantId}`)
    if (state.consumed > state.limit) throw new SmsTestRefused('testLimited')

    const plugins = new TenantPluginService(await app.container.make('plugins'))
    const sender = await plugins.instanceOf(this.tenant, 'sms', setting.id)
    if (!sender) throw new SmsTestRefused('notSms')
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    let result: SmsTestResult
    try {
      const { providerMessageId } = await sender.sendVerificationCode({ phone, code })
      result = { accepted: true, providerMessageId }
    } catch (error) {
      if (!(error instanceof PluginProviderError)) throw error
      result = { accepted: false, providerCode: error.providerCode }
    }
    await this.tenant.run((trx) =>
      this.audit.recordInContext(
        this.tenant,
        {
          action: 'sms_settings.test_send',
          projectId: setting.projectId,
          target: { type: 'tenant_plugin', id: setting.id },
          before: null,
          after: { pluginId: setting.pluginId, phone, ...result },
        },
        trx
      )
    )
    return result
  }
}
