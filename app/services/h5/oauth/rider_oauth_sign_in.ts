import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService, { type AuditRequestDetails } from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import RiderOauthApp from '#models/rider_oauth_app'
import type { RiderIdentityProvider } from '#models/rider_identity'
import { isUniqueViolation } from '#services/h5/h5_types'
import { insertOnlineRider } from '#services/h5/online_rider'
import type { ProvenAccount } from '#services/h5/oauth/provider_error'

/** How a guest is shown until named: 游客 and their short number, four digits at least. */
export function guestName(guestNo: number) {
  return `游客${String(guestNo).padStart(4, '0')}`
}

const NAME_MAX = 50

export type OauthSignInInput = {
  tenantId: number
  provider: RiderIdentityProvider
  appId: string
  /** WeChat openid or Alipay user id, as the provider proved it. */
  subject: string
  account: ProvenAccount
}

/**
 * The rider a WeChat or Alipay account signs in as at the H5. A known
 * account (rider_identities) is its rider; an unknown one opens a 线上
 * rider without a phone, a guest named 游客NNNN by a short number unique in
 * the tenant, until a phone is bound. A WeChat nickname, given only when
 * the rider agreed (snsapi_userinfo), names a guest still unnamed.
 */
export default class RiderOauthSignIn {
  constructor(protected audit = new AuditService()) {}

  /** The tenant's enabled app for the provider; null when none or its secret no longer reads. */
  async appFor(tenantId: number, provider: RiderIdentityProvider) {
    const tenant = TenantContext.forJob(tenantId)
    const app = await tenant.run((trx) =>
      tenant.query(RiderOauthApp, trx).where({ provider, enabled: true }).first()
    )
    if (!app || app.secret === null) return null
    if (provider === 'alipay' && !app.alipayPublicKey) return null
    return app
  }

  /** The rider id the account signs in as, opening a guest for an account new to the tenant. */
  async signIn(input: OauthSignInInput, request: AuditRequestDetails | null): Promise<number> {
    const known = await this.#known(input, request)
    if (known !== null) return known
    try {
      return await this.#openGuest(input, request)
    } catch (error) {
      // The same account signing in twice at once: the first one's rider it is.
      if (!isUniqueViolation(error)) throw error
      const raced = await this.#known(input, request)
      if (raced === null) throw error
      return raced
    }
  }

  async #known(input: OauthSignInInput, request: AuditRequestDetails | null) {
    const system = TenantContext.forJob(input.tenantId)
    const found = await system.run(async (trx) => {
      const identity = await trx
        .from('rider_identities')
        .where({
          tenant_id: input.tenantId,
          provider: input.provider,
          app_id: input.appId,
          subject: input.subject,
        })
        .forUpdate()
        .first()
      if (!identity) return null
      await trx
        .from('rider_identities')
        .where('id', identity.id)
        .update({
          last_sign_in_at: new Date(),
          updated_at: new Date(),
          ...(input.account.unionId ? { union_id: input.account.unionId } : {}),
        })
      const rider = await trx
        .from('riders')
        .where({ tenant_id: input.tenantId, id: identity.rider_id })
        .select('id', 'name', 'phone', 'guest_no')
        .first()
      return rider ?? null
    })
    if (!found) return null
    const nickname = this.#nickname(input.account)
    if (nickname && found.guest_no !== null && found.name === guestName(found.guest_no)) {
      await this.#rename(input.tenantId, found, nickname, request)
    }
    return Number(found.id)
  }

  async #openGuest(input: OauthSignInInput, request: AuditRequestDetails | null) {
    const system = TenantContext.forJob(input.tenantId)
    return system.run(async (trx) => {
      const next = await trx
        .from('riders')
        .where('tenant_id', input.tenantId)
        .max('guest_no as last')
        .first()
      const guestNo = Number(next?.last ?? 0) + 1
      const name = this.#nickname(input.account) ?? guestName(guestNo)
      const tenant = this.#asRider(input.tenantId, name, request)
      const riderId = await insertOnlineRider(trx, input.tenantId, { name, phone: null, guestNo })
      await trx.table('rider_identities').insert({
        tenant_id: input.tenantId,
        rider_id: riderId,
        provider: input.provider,
        app_id: input.appId,
        subject: input.subject,
        union_id: input.account.unionId,
        last_sign_in_at: new Date(),
        created_at: new Date(),
        updated_at: new Date(),
      })
      await this.audit.recordInContext(
        tenant,
        {
          action: 'riders.create',
          target: { type: 'rider', id: riderId },
          before: null,
          // The account is named by provider only: an openid is a personal identifier.
          after: { name, phone: null, status: 'normal', source: 'online', via: input.provider },
        },
        trx
      )
      return riderId
    })
  }

  async #rename(
    tenantId: number,
    rider: { id: number; name: string },
    name: string,
    request: AuditRequestDetails | null
  ) {
    const tenant = this.#asRider(tenantId, name, request)
    await tenant.run(async (trx: TransactionClientContract) => {
      await trx
        .from('riders')
        .where({ tenant_id: tenantId, id: rider.id })
        .update({ name, updated_at: new Date() })
      await this.audit.recordInContext(
        tenant,
        {
          action: 'riders.update',
          target: { type: 'rider', id: Number(rider.id) },
          before: { name: rider.name },
          after: { name },
        },
        trx
      )
    })
  }

  #asRider(tenantId: number, name: string, request: AuditRequestDetails | null) {
    // A guest has no phone to be named by in the audit log: by name only.
    return new TenantContext(tenantId, null, null, new Set(), {
      actor: { staffId: null, account: null, name },
      request,
    })
  }

  #nickname(account: ProvenAccount) {
    const nickname = account.nickname?.trim()
    return nickname ? nickname.slice(0, NAME_MAX) : null
  }
}
