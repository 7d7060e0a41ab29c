import { DateTime } from 'luxon'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import { heldOf, lockWallet, openHeldColumn } from '#core/wallet/wallet_holds'
import H5Refusal from '#services/h5/h5_refusal'
import {
  isUniqueViolation,
  type H5Me,
  type H5RefundRequest,
  type H5Rider,
} from '#services/h5/h5_types'

const iso = (value: Date | null) => (value ? DateTime.fromJSDate(value).toUTC().toISO()! : null)

/**
 * The rider H5's balance: the rider's wallet as the port and refund pages
 * show it, and 申请退款 of real money for staff to approve.
 */
export default class RiderBalance {
  constructor(protected audit = new AuditService()) {}

  me(rider: H5Rider): Promise<H5Me> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const row = await trx
        .from('riders as r')
        .leftJoin('wallets as w', 'w.rider_id', 'r.id')
        .where({ 'r.tenant_id': rider.tenantId, 'r.id': rider.riderId })
        .select(
          'r.name',
          'r.phone',
          'r.status',
          trx.raw('COALESCE(w.real_balance, 0) AS real_balance'),
          trx.raw('COALESCE(w.bonus_balance, 0) AS bonus_balance'),
          trx.raw(openHeldColumn('real', 'r.id', 'r.tenant_id', 'held_real')),
          trx.raw(openHeldColumn('bonus', 'r.id', 'r.tenant_id', 'held_bonus'))
        )
        .firstOrFail()
      return {
        name: row.name,
        phone: row.phone,
        frozen: row.status === 'frozen',
        realBalance: Number(row.real_balance),
        bonusBalance: Number(row.bonus_balance),
        heldRealFen: Number(row.held_real),
        heldBonusFen: Number(row.held_bonus),
      }
    })
  }

  refundRequests(rider: H5Rider): Promise<H5RefundRequest[]> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const rows = await trx
        .from('rider_refund_requests')
        .where({ tenant_id: rider.tenantId, rider_id: rider.riderId })
        .orderBy('id', 'desc')
        .limit(20)
      return rows.map((row) => ({
        id: row.id,
        amount: row.amount,
        reason: row.reason,
        status: row.status,
        decisionNote: row.decision_note,
        createdAt: iso(row.created_at)!,
        decidedAt: iso(row.decided_at),
      }))
    })
  }

  /** 申请退款 of real money, at most the real balance no open order holds; one pending request at a time. */
  async requestRefund(
    tenant: TenantContext,
    rider: H5Rider,
    input: { amount: number; reason: string }
  ) {
    try {
      return await tenant.run(async (trx) => {
        const wallet = await lockWallet(tenant, rider.riderId, trx)
        const held = await heldOf(tenant, trx, rider.riderId)
        if (input.amount > wallet.realBalance - held.real) {
          throw new H5Refusal('amountAboveBalance')
        }
        const [row] = await trx
          .insertQuery()
          .table('rider_refund_requests')
          .insert({
            tenant_id: rider.tenantId,
            project_id: rider.projectId,
            rider_id: rider.riderId,
            amount: input.amount,
            reason: input.reason,
            status: 'pending',
            created_at: new Date(),
            updated_at: new Date(),
          })
          .returning('id')
        const { riderId, projectId } = rider
        await this.audit.recordRowChange(tenant, trx, {
          action: 'refund_requests.create',
          type: 'rider_refund_request',
          row: { id: row.id, projectId },
          before: null,
          after: { riderId, amount: input.amount, reason: input.reason },
        })
        return Number(row.id)
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new H5Refusal('refundPending')
      throw error
    }
  }
}
