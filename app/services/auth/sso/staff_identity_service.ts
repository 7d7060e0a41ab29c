import { inject } from '@adonisjs/core'
import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import encryption from '@adonisjs/core/services/encryption'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Staff from '#models/staff'
import StaffIdentity from '#models/staff_identity'
import TenantSsoProvider from '#models/tenant_sso_provider'
import type TenantContext from '#core/tenancy/tenant_context'
import type { SsoProvider } from '#services/auth/sso/providers'
import AuditService, { actorOf, requestDetails } from '#core/audit/audit_service'
import GrantGuard, { type GrantAttempt } from '#services/permissions/grant_guard'
import ProtectedFields from '#services/settings/protected_fields'

export type SsoAdminRefusalReason =
  'staffNotFound' | 'identityTaken' | 'agentIdRequired' | 'secretRequired'

/**
 * An admin action on SSO refused, nothing changed: the page gets the
 * translated reason (an i18n key under `sso.`), an API client a 422.
 */
class SsoAdminRefusal extends Exception {
  constructor(public reason: SsoAdminRefusalReason) {
    super(reason, { status: 422, code: 'E_SSO_REFUSED' })
  }

  async handle(error: this, ctx: HttpContext) {
    const message = ctx.i18n.t(`sso.${error.reason}`)
    if (ctx.request.accepts(['html', 'json']) === 'json') {
      return ctx.response.status(422).send({ errors: [{ message, code: error.reason }] })
    }
    ctx.session.flash('error', message)
    return ctx.response.redirect().back()
  }
}

/**
 * A tenant's app as an admin sets it. The secret is a protected setting:
 * given, it is typed again in `confirm.clientSecret`; left out, the stored
 * one stays (a new app needs one).
 */
export interface SsoAppSettings {
  provider: SsoProvider
  clientId: string
  agentId?: string | null
  clientSecret?: string
  confirm?: { clientSecret?: string }
  enabled: boolean
}

interface SsoAuditEntry {
  action: 'sso.link_identity' | 'sso.unlink_identity' | 'sso.configure_app' | 'sso.protected_change'
  target: { type: string; id: number }
  before: unknown
  after: unknown
}

/**
 * The admin side of staff SSO, inside the admin's tenant context: a tenant
 * sets up its DingTalk or WeCom app, and links a staff member to the
 * external account allowed to sign in as them. Callers authorise first
 * (SsoPolicy): linking needs `staff.manage`, app settings `settings.manage`.
 * Linking also needs the admin's rights to cover the staff member's
 * (GrantGuard): whoever holds the linked account signs in as them. An app
 * serves every project and its secret is a protected setting
 * (ProtectedFields): only an admin over all projects sets it. Refusals of
 * these rules are audited; every change is audited in the same transaction;
 * `request`, when given, adds who (by name) and from where.
 */
@inject()
export default class StaffIdentityService {
  constructor(
    protected audit: AuditService,
    protected grants: GrantGuard,
    protected protectedFields: ProtectedFields
  ) {}

  /** Links (or re-links) a staff member's account at a provider. */
  async linkIdentity(
    tenant: TenantContext,
    staffId: number,
    provider: SsoProvider,
    externalId: string,
    request?: HttpContext
  ): Promise<StaffIdentity> {
    return this.grants.run(tenant, async (trx) => {
      const staff = await tenant.query(Staff, trx).where('id', staffId).first()
      if (!staff) throw new SsoAdminRefusal('staffNotFound')
      await this.grants.assertCovers(
        tenant,
        staff.id,
        { action: 'sso.link_identity', target: { type: 'staff', id: staff.id } },
        trx
      )

      const holder = await tenant
        .query(StaffIdentity, trx)
        .where('provider', provider)
        .where('external_id', externalId)
        .first()
      if (holder && holder.staffId !== staff.id) throw new SsoAdminRefusal('identityTaken')

      const identity =
        (await tenant
          .query(StaffIdentity, trx)
          .where('provider', provider)
          .where('staff_id', staff.id)
          .first()) ?? new StaffIdentity()
      const before = identity.$isPersisted ? { provider, externalId: identity.externalId } : null
      identity.useTransaction(trx)
      identity.merge({ tenantId: tenant.tenantId, staffId: staff.id, provider, externalId })
      await identity.save()
      await this.#audit(tenant, trx, request, {
        action: 'sso.link_identity',
        target: { type: 'staff', id: staff.id },
        before,
        after: { provider, externalId },
      })
      return identity
    })
  }

  /**
   * Unlinks an identity: its account no longer signs in as the staff
   * member. Needs the same rights over them as linking.
   */
  async unlinkIdentity(tenant: TenantContext, identityId: number, request?: HttpContext) {
    return this.grants.run(tenant, async (trx) => {
      const identity = await tenant
        .query(StaffIdentity, trx)
        .where('id', identityId)
        .forUpdate()
        .firstOrFail()
      const target = { type: 'staff', id: identity.staffId }
      await this.grants.assertCovers(
        tenant,
        identity.staffId,
        { action: 'sso.unlink_identity', target },
        trx
      )
      await identity.useTransaction(trx).delete()
      await this.#audit(tenant, trx, request, {
        action: 'sso.unlink_identity',
        target,
        before: { provider: identity.provider, externalId: identity.externalId },
        after: null,
      })
    })
  }

  /** The staff members' linked accounts, for 管理员. */
  identities(tenant: TenantContext) {
    return tenant.run(async (trx) => {
      const rows = await tenant.query(StaffIdentity, trx).orderBy('id')
      return rows.map((row) => ({
        id: row.id,
        staffId: row.staffId,
        provider: row.provider,
        externalId: row.externalId,
      }))
    })
  }

  /** The tenant's apps as 单点登录 shows them: never the secret. */
  apps(tenant: TenantContext) {
    return tenant.run(async (trx) => {
      const rows = await tenant.query(TenantSsoProvider, trx).orderBy('id')
      return rows.map((row) => ({
        provider: row.provider,
        clientId: row.clientId,
        agentId: row.agentId,
        enabled: row.enabled,
      }))
    })
  }

  /** Sets a tenant's app for a provider; the secret is stored encrypted. */
  async configureApp(
    tenant: TenantContext,
    settings: SsoAppSettings,
    request?: HttpContext,
    messagesProvider?: MessagesProviderContact
  ): Promise<TenantSsoProvider> {
    if (settings.provider === 'wecom' && !settings.agentId) {
      throw new SsoAdminRefusal('agentIdRequired')
    }
    return this.grants.run(tenant, async (trx) => {
      const app =
        (await tenant.query(TenantSsoProvider, trx).where('provider', settings.provider).first()) ??
        new TenantSsoProvider()
      const attempt: GrantAttempt = {
        action: 'sso.configure_app',
        target: app.$isPersisted ? { type: 'tenant_sso_provider', id: app.id } : null,
      }
      this.protectedFields.assertTenantWide(tenant, attempt)
      const secret = settings.clientSecret
      if (!app.$isPersisted && !secret) throw new SsoAdminRefusal('secretRequired')
      const changed = secret
        ? await this.protectedFields.changed(tenant, {
            fields: ['clientSecret'],
            // A secret that no longer decrypts (another APP_KEY) is replaced like any other.
            stored: {
              clientSecret: app.$isPersisted
                ? encryption.decrypt<string>(app.clientSecretEncrypted)
                : null,
            },
            given: { clientSecret: secret },
            confirm: { clientSecret: settings.confirm?.clientSecret },
            attempt,
            messagesProvider,
          })
        : []

      // The secret itself never reaches the audit log.
      const shown = () => ({
        provider: app.provider,
        clientId: app.clientId,
        agentId: app.agentId,
        enabled: app.enabled,
      })
      const before = app.$isPersisted ? shown() : null
      app.useTransaction(trx)
      app.merge({
        tenantId: tenant.tenantId,
        provider: settings.provider,
        clientId: settings.clientId,
        agentId: settings.agentId ?? null,
        enabled: settings.enabled,
      })
      if (secret && changed.length) app.clientSecret = secret
      await app.save()
      const target = { type: 'tenant_sso_provider', id: app.id }
      await this.#audit(tenant, trx, request, {
        action: 'sso.configure_app',
        target,
        before,
        after: shown(),
      })
      if (changed.length) {
        await this.#audit(tenant, trx, request, {
          action: 'sso.protected_change',
          target,
          before: null,
          after: { provider: app.provider, fields: changed },
        })
      }
      return app
    })
  }

  #audit(
    tenant: TenantContext,
    trx: TransactionClientContract,
    request: HttpContext | undefined,
    entry: SsoAuditEntry
  ) {
    return this.audit.record(
      {
        ...entry,
        tenantId: tenant.tenantId,
        actor: request ? actorOf(request) : { staffId: tenant.staffId, account: null, name: null },
        request: request ? requestDetails(request) : null,
      },
      trx
    )
  }
}
