import app from '@adonisjs/core/services/app'
import AuditService, { type AuditRequestDetails } from '#core/audit/audit_service'
import VerificationCodeService, { SmsCodeRefused } from '#core/sms/verification_code_service'
import TenantContext from '#core/tenancy/tenant_context'
import DomainRefusal from '#exceptions/domain_refusal'
import { OPEN_STATUSES } from '#models/charging_order'
import type { H5Rider } from '#services/h5/h5_types'
import { H5_LOGIN_PURPOSE } from '#services/h5/rider_sign_in'
import RiderSignInGuard from '#services/h5/rider_sign_in_guard'

/** A refused 绑定手机号; messages under `h5_oauth.` */
export class PhoneBindingRefused extends DomainRefusal<
  'notGuest' | 'guestBusy' | 'guestHasMoney' | 'phoneFrozen'
> {
  constructor(reason: PhoneBindingRefused['reason']) {
    super('h5_oauth', reason)
  }
}

/**
 * 绑定手机号: a guest (signed in by WeChat or Alipay, no phone) proves a
 * phone by SMS code, with the sign-in's code service and limits. A phone
 * new to the tenant becomes the guest's. A phone of a rider the counter
 * opened takes the guest over: the guest's WeChat/Alipay accounts move to
 * that rider, who is signed in from then on; the guest account stays
 * behind without them. A guest with an open order, an open hold or money
 * is refused (moving money is not done here), nothing changed.
 */
export default class PhoneBinding {
  constructor(
    protected audit = new AuditService(),
    protected guard = new RiderSignInGuard()
  ) {}

  /** The rider id signed in from now on. */
  async bind(
    rider: H5Rider,
    input: { phone: string; code: string },
    request: AuditRequestDetails | null,
    ip: string
  ): Promise<number> {
    const attempt = { ip, tenantId: rider.tenantId, phone: input.phone }
    await this.guard.admitCode(attempt)
    const system = TenantContext.forJob(rider.tenantId)
    const codes = new VerificationCodeService(await app.container.make('plugins'))
    try {
      await codes.verify(system, input.phone, H5_LOGIN_PURPOSE, input.code, { spend: true })
    } catch (error) {
      if (error instanceof SmsCodeRefused) await this.guard.wrongCode(attempt)
      throw error
    }

    return system.run(async (trx) => {
      const guest = await trx
        .from('riders')
        .where({ tenant_id: rider.tenantId, id: rider.riderId })
        .forUpdate()
        .first()
      if (!guest || guest.phone !== null) throw new PhoneBindingRefused('notGuest')
      const tenant = new TenantContext(rider.tenantId, null, null, new Set(), {
        actor: { staffId: null, account: input.phone, name: guest.name },
        request,
      })
      const holder = await trx
        .from('riders')
        .where({ tenant_id: rider.tenantId, phone: input.phone })
        .forUpdate()
        .first()

      if (!holder) {
        await trx
          .from('riders')
          .where('id', guest.id)
          .update({ phone: input.phone, updated_at: new Date() })
        await this.audit.recordInContext(
          tenant,
          {
            action: 'riders.update',
            target: { type: 'rider', id: Number(guest.id) },
            before: { phone: null },
            after: { phone: input.phone },
          },
          trx
        )
        return Number(guest.id)
      }

      if (holder.status === 'frozen') throw new PhoneBindingRefused('phoneFrozen')
      const openOrder = await trx
        .from('charging_orders')
        .where({ tenant_id: rider.tenantId, rider_id: guest.id })
        .whereIn('status', [...OPEN_STATUSES])
        .first()
      const openHold = await trx
        .from('wallet_holds')
        .where({ tenant_id: rider.tenantId, rider_id: guest.id, status: 'open' })
        .first()
      if (openOrder || openHold) throw new PhoneBindingRefused('guestBusy')
      const wallet = await trx
        .from('wallets')
        .where({ tenant_id: rider.tenantId, rider_id: guest.id })
        .forUpdate()
        .first()
      if (wallet && (Number(wallet.real_balance) !== 0 || Number(wallet.bonus_balance) !== 0)) {
        throw new PhoneBindingRefused('guestHasMoney')
      }

      const moved = await trx
        .from('rider_identities')
        .where({ tenant_id: rider.tenantId, rider_id: guest.id })
        .update({ rider_id: holder.id, updated_at: new Date() })
        .returning('provider')
      await this.audit.recordInContext(
        tenant,
        {
          action: 'riders.merge_guest',
          target: { type: 'rider', id: Number(holder.id) },
          before: { guestRiderId: Number(guest.id), guestName: guest.name },
          // Accounts named by provider only: an openid is a personal identifier.
          after: { riderId: Number(holder.id), identities: moved.map((row) => row.provider) },
        },
        trx
      )
      return Number(holder.id)
    })
  }
}
