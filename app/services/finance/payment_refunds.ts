import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import PaymentOrder from '#models/payment_order'
import PaymentRefund, { type RefundCause } from '#models/payment_refund'
import type { RefundResult } from '#sdk/contracts/payment'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type TenantContext from '#core/tenancy/tenant_context'
import { newPaymentNumber } from '#services/finance/payment_numbers'
import { providerFor, webhookUrl } from '#services/finance/payment_orders'
import PaymentRefusal, { providerFailure } from '#services/finance/payment_refusal'

/**
 * Refunds to the payer, as records of their own (pending → succeeded |
 * failed): opened inside the transaction that decides them, sent to the
 * provider after commit by the `payments.send-refund` job (keyed by the
 * refund number, so a resend is harmless), and finished by the provider's
 * answer, notification or follow-up.
 */
export default class PaymentRefunds {
  /**
   * A refund of `amount` of `order`, recorded inside the caller's
   * transaction; the refund job sends it after commit. The order's
   * refunded total is raised in SQL, so no two refunds pass its amount.
   */
  async openWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: PaymentOrder,
    amount: number,
    cause: RefundCause,
    details: { reason?: string; ledgerEntryId?: number } = {}
  ): Promise<number> {
    const raised = await trx
      .from('payment_orders')
      .where('id', order.id)
      .whereRaw('refunded_amount + ? <= amount', [amount])
      .increment('refunded_amount', amount)
    if (Number(raised) === 0) throw new PaymentRefusal('notRefundable')
    const [row] = await trx
      .insertQuery()
      .table('payment_refunds')
      .insert({
        tenant_id: tenant.tenantId,
        project_id: order.projectId,
        payment_order_id: order.id,
        refund_no: newPaymentNumber('R'),
        amount,
        cause,
        reason: details.reason ?? cause,
        ledger_entry_id: details.ledgerEntryId ?? null,
        operator_staff_id: tenant.staffId,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    return row.id
  }

  /** Sends a pending refund to the provider (again: it is keyed by its refund number). */
  async send(tenant: TenantContext, refundId: number) {
    const found = await this.#pending(tenant, refundId)
    if (!found) return
    const { refund, order } = found
    const provider = await providerFor(tenant, order)
    try {
      const result = await provider.refund({
        outTradeNo: order.paymentNo,
        outRefundNo: refund.refundNo,
        amount: refund.amount,
        total: order.amount,
        reason: refund.reason,
        notifyUrl: webhookUrl(order.tenantPluginId),
      })
      await this.applyResult(tenant, result, { attempted: true })
    } catch (error) {
      if (error instanceof PluginProviderError) {
        await tenant.run((trx) =>
          trx
            .from('payment_refunds')
            .where('id', refund.id)
            .update({
              attempts: trx.raw('attempts + 1'),
              failure: providerFailure(error, {
                tenantId: tenant.tenantId,
                refundNo: refund.refundNo,
              }),
              updated_at: new Date(),
            })
        )
      }
      throw error
    }
  }

  /** Asks the provider how a pending refund stands. */
  async followUp(tenant: TenantContext, refundId: number) {
    const found = await this.#pending(tenant, refundId)
    if (!found) return
    const provider = await providerFor(tenant, found.order)
    const result = await provider
      .queryRefund(found.order.paymentNo, found.refund.refundNo)
      .catch(() => null)
    if (result) await this.applyResult(tenant, result)
    else await this.send(tenant, refundId)
  }

  /** A refund's state from the provider: pending → succeeded | failed, once. */
  async applyResult(
    tenant: TenantContext,
    result: RefundResult,
    options: { attempted?: boolean } = {}
  ) {
    await tenant.run(async (trx) => {
      const refund = await tenant
        .query(PaymentRefund, trx)
        .where('refund_no', result.outRefundNo)
        .forUpdate()
        .first()
      if (!refund) return
      const update: Record<string, unknown> = {
        provider_refund_no: result.providerRefundNo ?? refund.providerRefundNo,
        provider_data: { ...refund.providerData, [result.status]: result.raw },
        updated_at: new Date(),
      }
      if (options.attempted) update.attempts = refund.attempts + 1
      if (refund.status === 'pending' && result.status !== 'pending') {
        update.status = result.status
        update.settled_at = new Date()
      }
      await trx.from('payment_refunds').where('id', refund.id).update(update)
    })
  }

  /** A refund still pending, with its order; null when it is gone or finished. */
  async #pending(tenant: TenantContext, refundId: number) {
    const found = await tenant.run(async (trx) => {
      const refund = await tenant.query(PaymentRefund, trx).where('id', refundId).first()
      const order =
        refund && (await tenant.query(PaymentOrder, trx).where('id', refund.paymentOrderId).first())
      return refund && order ? { refund, order } : null
    })
    return found && found.refund.status === 'pending' ? found : null
  }
}
