import PaymentOrder from '#models/payment_order'
import Rider from '#models/rider'
import { dispatchRefunds } from '#services/finance/payment_queue'
import PaymentRefunds from '#services/finance/payment_refunds'
import PaymentRefusal from '#services/finance/payment_refusal'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'

export interface RiderRefundInput {
  riderId: number
  projectId: number
  /** Real money, fen. The bonus balance is forfeited with it. */
  amount: number
  reason: string
  /** 原路退回 through the QR payments it came from, or 现金 at the counter. */
  channel: 'original' | 'cash'
  idempotencyKey: string
}

/**
 * 退款: real money back to a rider. The wallet posting (bonus forfeited) and
 * the refund records of the QR payments it goes back through commit
 * together; the provider refunds are sent after commit by the refund job.
 */
export default class RiderRefundService {
  constructor(
    protected wallet = new WalletService(),
    protected refunds = new PaymentRefunds()
  ) {}

  async refund(tenant: TenantContext, input: RiderRefundInput) {
    const refundIds: number[] = []
    const result = await tenant.run(async (trx) => {
      // Another tenant's rider, or none: a 404, before anything is posted.
      await tenant.query(Rider, trx).where('id', input.riderId).firstOrFail()
      const posted = await this.wallet.postWithin(
        tenant,
        {
          type: 'refund',
          riderId: input.riderId,
          projectId: input.projectId,
          amount: input.amount,
          reason: input.reason,
          idempotencyKey: `refund:${input.idempotencyKey}`,
        },
        trx
      )
      if (posted.duplicate || input.channel === 'cash') return posted

      // Newest top-ups first: the money most likely still refundable at the provider.
      const orders = await tenant
        .query(PaymentOrder, trx)
        .where({
          rider_id: input.riderId,
          project_id: input.projectId,
          purpose: 'topup',
          status: 'paid',
        })
        .whereRaw('refunded_amount < amount')
        .orderBy('paid_at', 'desc')
        .forUpdate()
      let left = input.amount
      for (const order of orders) {
        if (left === 0) break
        const share = Math.min(left, order.amount - order.refundedAmount)
        refundIds.push(
          await this.refunds.openWithin(tenant, trx, order, share, 'rider_refund', {
            reason: input.reason,
            ledgerEntryId: posted.entry.id,
          })
        )
        left -= share
      }
      if (left > 0) throw new PaymentRefusal('refundExceedsChannel')
      return posted
    })
    await dispatchRefunds(tenant.tenantId, refundIds)
    return { entry: result.entry, duplicate: result.duplicate, providerRefunds: refundIds.length }
  }

  /** What can go back through QR payments now (fen), for the 退款 dialog. */
  refundableByChannel(tenant: TenantContext, riderId: number, projectId: number) {
    return tenant.run(async (trx) => {
      const row = await tenant
        .query(PaymentOrder, trx)
        .where({ rider_id: riderId, project_id: projectId, purpose: 'topup', status: 'paid' })
        .sum(trx.raw('amount - refunded_amount'), 'refundable')
        .first()
      return Number(row?.$extras.refundable ?? 0)
    })
  }
}
