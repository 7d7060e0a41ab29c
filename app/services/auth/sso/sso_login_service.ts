import { DateTime } from 'luxon'
import { Exception } from '@adonisjs/core/exceptions'
import Tenant from '#models/tenant'
import type Staff from '#models/staff'
import StaffIdentity from '#models/staff_identity'
import TenantSsoProvider from '#models/tenant_sso_provider'
import TenantContext from '#core/tenancy/tenant_context'
import { SSO_PROVIDERS, isSsoProvider, type SsoProvider } from '#services/auth/sso/providers'

export type SsoFailureReason =
  | 'unavailable'
  | 'accessDenied'
  | 'stateMismatch'
  | 'providerError'
  | 'unknownIdentity'
  | 'accountDisabled'
  | 'tenantSuspended'

/** A refused company-account sign-in; `reason` is an i18n key under `sso.` */
export class SsoFailure extends Exception {
  constructor(public reason: SsoFailureReason) {
    super(reason, { status: 400 })
  }
}

/** The tenant and the app a sign-in goes through. */
export interface SsoTarget {
  tenant: Tenant
  provider: SsoProvider
  app: TenantSsoProvider
}

/**
 * The tenant side of a company-account sign-in: which tenant app to send
 * the browser to, and which staff member an external account signs in as.
 * It never creates staff: an admin links each external account first.
 */
export default class SsoLoginService {
  /** The enabled app of a tenant, by the tenant code in the URL. */
  async target(tenantCode: string, provider: string): Promise<SsoTarget> {
    if (!isSsoProvider(provider)) throw new SsoFailure('unavailable')
    // The tenant is what the URL names; nothing is known before this lookup.
    const tenant = await Tenant.query({ connection: 'owner' }).where('code', tenantCode).first()
    if (!tenant) throw new SsoFailure('unavailable')
    if (tenant.status !== 'active') throw new SsoFailure('tenantSuspended')

    const context = new TenantContext(tenant.id)
    const app = await context.run((trx) =>
      context
        .query(TenantSsoProvider, trx)
        .where('provider', provider)
        .where('enabled', true)
        .first()
    )
    if (!app) throw new SsoFailure('unavailable')
    return { tenant, provider, app }
  }

  /** The providers the login page offers for a tenant code (none for an unknown tenant). */
  async enabledProviders(tenantCode: string): Promise<SsoProvider[]> {
    const tenant = await Tenant.query({ connection: 'owner' }).where('code', tenantCode).first()
    if (!tenant || tenant.status !== 'active') return []
    const context = new TenantContext(tenant.id)
    const rows = await context.run((trx) =>
      context.query(TenantSsoProvider, trx).where('enabled', true).select('provider')
    )
    return SSO_PROVIDERS.filter((provider) => rows.some((row) => row.provider === provider))
  }

  /**
   * The staff member an external account is linked to, refused as the
   * password login refuses a disabled account (`target` has already
   * refused a suspended tenant).
   */
  async staffFor({ tenant, provider }: SsoTarget, externalId: string): Promise<Staff> {
    const context = new TenantContext(tenant.id)
    return context.run(async (trx) => {
      const identity = await context
        .query(StaffIdentity, trx)
        .where('provider', provider)
        .where('external_id', externalId)
        .preload('staff')
        .first()
      if (!identity) throw new SsoFailure('unknownIdentity')
      const staff = identity.staff
      if (staff.status !== 'active') throw new SsoFailure('accountDisabled')

      staff.lastLoginAt = DateTime.now()
      await staff.save()
      return staff
    })
  }
}
