import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import Staff from '#models/staff'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService, { requestDetails, type AuditActor } from '#core/audit/audit_service'

function actor(staff: Staff): AuditActor {
  return { staffId: staff.id, account: staff.account, name: staff.name }
}

/**
 * The login log: sign-ins, refused sign-ins and sign-outs. A known account's
 * events join its tenant's chain; an unknown account's join the platform
 * chain. The password is never part of a record.
 */
@inject()
export default class LoginAudit {
  constructor(protected audit: AuditService) {}

  async succeeded(ctx: HttpContext, staff: Staff) {
    await this.#inTenant(staff, { action: 'auth.login', result: 'success' }, ctx)
  }

  /** `reason` is the LoginFailure reason (an i18n key under `auth.`). */
  async failed(ctx: HttpContext, account: string, reason: string) {
    // The account is looked up again because some refusals (captcha, rate
    // limit) come before the login service reads it.
    const staff = await Staff.query({ connection: 'owner' }).where('account', account).first()
    if (staff) {
      await this.#inTenant(staff, { action: 'auth.login_failed', result: 'failure', reason }, ctx)
      return
    }
    await this.audit.recordPlatform({
      action: 'auth.login_failed',
      kind: 'login',
      actor: { staffId: null, account, name: null },
      request: requestDetails(ctx),
      result: 'failure',
      reason,
    })
  }

  async loggedOut(ctx: HttpContext, staff: Staff) {
    await this.#inTenant(staff, { action: 'auth.logout', result: 'success' }, ctx)
  }

  async #inTenant(
    staff: Staff,
    entry: { action: string; result: 'success' | 'failure'; reason?: string },
    ctx: HttpContext
  ) {
    await new TenantContext(staff.tenantId).run((trx) =>
      this.audit.record(
        {
          ...entry,
          tenantId: staff.tenantId,
          kind: 'login',
          actor: actor(staff),
          request: requestDetails(ctx),
        },
        trx
      )
    )
  }
}
