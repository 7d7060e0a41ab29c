import { inject } from '@adonisjs/core'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import DomainRefusal from '#exceptions/domain_refusal'
import RiderOauthApp from '#models/rider_oauth_app'
import type { RiderIdentityProvider } from '#models/rider_identity'
import GrantGuard, { type GrantAttempt } from '#services/permissions/grant_guard'
import ProtectedFields from '#services/settings/protected_fields'
import type { RiderOauthAppRow } from '#services/settings/rider_oauth_props'
import { alipayPrivateKeyPem, alipayPublicKeyPem } from '#services/h5/oauth/alipay_keys'

/** A refused rider sign-in setting; messages under `rider_oauth.` */
export class RiderOauthSettingRefused extends DomainRefusal<
  'secretRequired' | 'publicKeyRequired' | 'privateKeyInvalid' | 'publicKeyInvalid'
> {
  constructor(reason: RiderOauthSettingRefused['reason']) {
    super('rider_oauth', reason)
  }
}

/**
 * A tenant's rider sign-in app as an admin sets it: WeChat's AppID and
 * AppSecret, or Alipay's app id, application private key and Alipay public
 * key. The secret and the Alipay public key decide whom PileHub believes,
 * so they are protected settings: typed again under `confirm.`; left out,
 * the stored ones stay (a new app needs them).
 */
export type RiderOauthSettings = {
  provider: RiderIdentityProvider
  appId: string
  secret?: string
  alipayPublicKey?: string
  confirm?: { secret?: string; alipayPublicKey?: string }
  enabled: boolean
}

/**
 * 配置 › 用户登录 (issue 17): the official account and the Alipay app riders
 * sign in through at the H5. Apps serve every project, so only an admin over
 * all projects sets one (ProtectedFields), refusals audited by GrantGuard;
 * every change is audited in its transaction naming fields, never values.
 */
@inject()
export default class RiderOauthSettingsService {
  constructor(
    protected audit: AuditService,
    protected grants: GrantGuard,
    protected protectedFields: ProtectedFields
  ) {}

  async list(tenant: TenantContext): Promise<RiderOauthAppRow[]> {
    const apps = await tenant.run((trx) => tenant.query(RiderOauthApp, trx).orderBy('provider'))
    return apps.map((app) => ({
      provider: app.provider,
      appId: app.appId,
      enabled: app.enabled,
      secretSet: app.secret !== null,
      alipayPublicKeySet: Boolean(app.alipayPublicKey),
    }))
  }

  async configure(
    tenant: TenantContext,
    settings: RiderOauthSettings,
    messagesProvider?: MessagesProviderContact
  ): Promise<RiderOauthApp> {
    if (settings.provider === 'alipay') {
      if (settings.secret && !alipayPrivateKeyPem(settings.secret)) {
        throw new RiderOauthSettingRefused('privateKeyInvalid')
      }
      if (settings.alipayPublicKey && !alipayPublicKeyPem(settings.alipayPublicKey)) {
        throw new RiderOauthSettingRefused('publicKeyInvalid')
      }
    }
    return this.grants.run(tenant, async (trx) => {
      const app =
        (await tenant.query(RiderOauthApp, trx).where('provider', settings.provider).first()) ??
        new RiderOauthApp()
      const attempt: GrantAttempt = {
        action: 'rider_oauth.configure_app',
        target: app.$isPersisted ? { type: 'rider_oauth_app', id: app.id } : null,
      }
      this.protectedFields.assertTenantWide(tenant, attempt)
      if (!app.$isPersisted && !settings.secret)
        throw new RiderOauthSettingRefused('secretRequired')
      const alipayKey = settings.provider === 'alipay' ? settings.alipayPublicKey : undefined
      if (settings.provider === 'alipay' && !app.alipayPublicKey && !alipayKey) {
        throw new RiderOauthSettingRefused('publicKeyRequired')
      }
      const given: Record<string, string> = {}
      if (settings.secret) given.secret = settings.secret
      if (alipayKey) given.alipayPublicKey = alipayKey
      const changed = Object.keys(given).length
        ? await this.protectedFields.changed(tenant, {
            fields: Object.keys(given),
            stored: app.$isPersisted
              ? { secret: app.secret, alipayPublicKey: app.alipayPublicKey }
              : {},
            given,
            confirm: settings.confirm ?? {},
            attempt,
            messagesProvider,
          })
        : []

      const shown = () => ({ provider: app.provider, appId: app.appId, enabled: app.enabled })
      const before = app.$isPersisted ? shown() : null
      app.useTransaction(trx)
      app.merge({
        tenantId: tenant.tenantId,
        provider: settings.provider,
        appId: settings.appId,
        enabled: settings.enabled,
      })
      if (changed.includes('secret')) app.secret = given.secret
      if (changed.includes('alipayPublicKey')) app.alipayPublicKey = given.alipayPublicKey
      await app.save()
      const target = { type: 'rider_oauth_app', id: app.id }
      await this.#audit(tenant, trx, 'rider_oauth.configure_app', target, before, shown())
      if (changed.length) {
        await this.#audit(tenant, trx, 'rider_oauth.protected_change', target, null, {
          provider: app.provider,
          fields: changed,
        })
      }
      return app
    })
  }

  #audit(
    tenant: TenantContext,
    trx: TransactionClientContract,
    action: string,
    target: { type: string; id: number },
    before: unknown,
    after: unknown
  ) {
    return this.audit.recordInContext(tenant, { action, target, before, after }, trx)
  }
}
