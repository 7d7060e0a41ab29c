import app from '@adonisjs/core/services/app'
import AuditService, { type AuditRequestDetails } from '#core/audit/audit_service'
import VerificationCodeService, {
  SmsCodeRefused,
  showsSmsCodes,
} from '#core/sms/verification_code_service'
import TenantContext from '#core/tenancy/tenant_context'
import { isUniqueViolation, type H5Place, type H5Rider } from '#services/h5/h5_types'
import { insertOnlineRider } from '#services/h5/online_rider'
import RiderSignInGuard, { type SendAttempt } from '#services/h5/rider_sign_in_guard'
import { grantSignUpCoupons } from '#services/riders/coupon_issuing'

export const H5_LOGIN_PURPOSE = 'rider_login'

/**
 * The rider H5's sign-in: by SMS code at a port's QR page, within the
 * sign-in limits (RiderSignInGuard), opening a 线上 account for a phone new
 * to the tenant; and the context a signed-in rider's requests run in.
 */
export default class RiderSignIn {
  constructor(
    protected audit = new AuditService(),
    protected guard = new RiderSignInGuard()
  ) {}

  /** The context a rider's request runs in: their tenant, audited as them. */
  async contextFor(rider: H5Rider, request: AuditRequestDetails | null) {
    const found = await TenantContext.forJob(rider.tenantId).run((trx) =>
      trx
        .from('riders')
        .where({ tenant_id: rider.tenantId, id: rider.riderId })
        .select('name', 'phone')
        .first()
    )
    if (!found) return null
    return new TenantContext(rider.tenantId, null, null, new Set(), {
      // Riders are no staff: the audit log names them by phone.
      actor: { staffId: null, account: found.phone, name: found.name },
      request,
    })
  }

  /** Whether the port page asks for an image captcha with the next code. */
  captchaRequired(ip: string) {
    return this.guard.captchaRequired(ip)
  }

  /**
   * Sends a sign-in code within the sign-in limits. The answer is the same
   * whether or not the phone has an account; the code itself only under
   * the development flag (see showsSmsCodes).
   */
  async sendCode(place: H5Place, phone: string, attempt: Omit<SendAttempt, 'pileId' | 'phone'>) {
    await this.guard.admitSend({ ...attempt, pileId: place.pileId, phone })
    const tenant = TenantContext.forJob(place.tenantId)
    const codes = await this.#codes()
    await codes.issue(tenant, phone, H5_LOGIN_PURPOSE, place.projectId)
    const delivered = showsSmsCodes()
      ? await codes.lastDelivered(tenant, phone, place.projectId)
      : null
    return { devCode: delivered?.code ?? null }
  }

  /**
   * Signs a rider in by the code; a phone new to the tenant opens a 线上
   * account named `name`. The code is checked before anything is answered,
   * so a wrong code reads the same for any phone; only a right code for a
   * new phone without a name gets `nameRequired`, its code left unspent for
   * the retry with the name. Wrong codes count per phone and per IP.
   */
  async logIn(
    place: H5Place,
    input: { phone: string; code: string; name?: string | null },
    request: AuditRequestDetails | null,
    ip: string
  ): Promise<H5Rider | 'nameRequired'> {
    const attempt = { ip, tenantId: place.tenantId, phone: input.phone }
    await this.guard.admitCode(attempt)
    const system = TenantContext.forJob(place.tenantId)
    // Read on every path (the code decides whether to spend it), answered on none before the check.
    const existing = await this.#riderByPhone(system, input.phone)
    const codes = await this.#codes()
    try {
      await codes.verify(system, input.phone, H5_LOGIN_PURPOSE, input.code, {
        spend: existing !== null || Boolean(input.name),
      })
    } catch (error) {
      if (error instanceof SmsCodeRefused) await this.guard.wrongCode(attempt)
      throw error
    }
    if (existing) return { tenantId: place.tenantId, riderId: existing, projectId: place.projectId }
    if (!input.name) return 'nameRequired'

    const tenant = new TenantContext(place.tenantId, null, null, new Set(), {
      actor: { staffId: null, account: input.phone, name: input.name! },
      request,
    })
    try {
      const riderId = await tenant.run(async (trx) => {
        const id = await insertOnlineRider(trx, place.tenantId, {
          name: input.name!,
          phone: input.phone,
        })
        await grantSignUpCoupons(tenant, trx, id, place.projectId)
        await this.audit.recordInContext(
          tenant,
          {
            action: 'riders.create',
            target: { type: 'rider', id },
            before: null,
            after: { name: input.name, phone: input.phone, status: 'normal', source: 'online' },
          },
          trx
        )
        return id
      })
      return { tenantId: place.tenantId, riderId, projectId: place.projectId }
    } catch (error) {
      // The same phone signing up twice at once: the first one's account it is.
      if (!isUniqueViolation(error)) throw error
      const raced = await this.#riderByPhone(system, input.phone)
      if (raced === null) throw error
      return { tenantId: place.tenantId, riderId: raced, projectId: place.projectId }
    }
  }

  async #riderByPhone(tenant: TenantContext, phone: string) {
    const row = await tenant.run((trx) =>
      trx.from('riders').where({ tenant_id: tenant.tenantId, phone }).select('id').first()
    )
    return row ? Number(row.id) : null
  }

  async #codes() {
    return new VerificationCodeService(await app.container.make('plugins'))
  }
}
