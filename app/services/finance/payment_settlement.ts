import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import DomainRefusal from '#exceptions/domain_refusal'
import PaymentOrder from '#models/payment_order'
import type { PaymentMerchant } from '#sdk/contracts/payment'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import CardService from '#services/cards/card_service'
import RiderPlanService from '#services/riders/rider_plan_service'
import {
  moveOrder,
  providerFor,
  recordPaymentRejection,
  sameMerchant,
} from '#services/finance/payment_orders'
import { dispatchRefunds, type QueuedPaymentEvent } from '#services/finance/payment_queue'
import PaymentRefunds from '#services/finance/payment_refunds'
import PaymentRefusal from '#services/finance/payment_refusal'
import PayPerCharge, { type ChargeStarted } from '#services/orders/pay_per_charge'

/** What a provider reported paid, by notification or by query. */
export interface PaidReport {
  paymentNo: string
  amount: number
  providerTradeNo: string | null
  paidAt: Date | null
  merchant: PaymentMerchant
  raw: Record<string, unknown>
  source: 'notification' | 'query'
}

export type SettleOutcome = 'credited' | 'duplicate' | 'refunding' | 'mismatch'

/**
 * A payment the provider confirmed (by notification or by our follow-up):
 * the credit on the guarded pending → paid transition, in the same
 * transaction as the ledger posting or the card binding; a payment the
 * order can no longer take is refunded, never lost. Orders that stay open
 * are followed up and closed. No provider is called inside a transaction.
 */
export default class PaymentSettlement {
  constructor(
    protected wallet = new WalletService(),
    protected audit = new AuditService(),
    protected refunds = new PaymentRefunds(),
    protected payPerCharge = new PayPerCharge()
  ) {}

  /** A verified notification, as the `payments.apply-event` job carries it. Idempotent. */
  applyEvent(tenant: TenantContext, event: QueuedPaymentEvent) {
    if (event.kind === 'refund') {
      return this.refunds.applyResult(tenant, {
        outRefundNo: event.outRefundNo,
        status: event.status,
        providerRefundNo: event.providerRefundNo,
        raw: event.raw,
      })
    }
    if (event.status === 'closed') return this.markClosed(tenant, event.outTradeNo)
    return this.settle(tenant, {
      paymentNo: event.outTradeNo,
      amount: event.amount,
      providerTradeNo: event.providerTradeNo,
      paidAt: event.paidAt ? new Date(event.paidAt) : null,
      merchant: event.merchant,
      raw: event.raw,
      source: 'notification',
    })
  }

  /**
   * A provider says the order is paid. Credits once, on pending → paid,
   * with the ledger posting (or the card binding) in the same transaction;
   * a payment the order can no longer take is refunded, never lost.
   */
  async settle(tenant: TenantContext, report: PaidReport): Promise<SettleOutcome> {
    const refundIds: number[] = []
    const charge: { started?: ChargeStarted } = {}
    const outcome = await tenant.run(async (trx): Promise<SettleOutcome> => {
      const order = await tenant
        .query(PaymentOrder, trx)
        .where('payment_no', report.paymentNo)
        .forUpdate()
        .first()
      if (!order) throw new PaymentRefusal('paymentNotFound')
      if (!sameMerchant(order, report.merchant) || report.amount !== order.amount) {
        await recordPaymentRejection(this.audit, tenant, trx, {
          problem: 'paid report does not match the order',
          paymentNo: order.paymentNo,
          reported: { amount: report.amount, merchant: report.merchant },
        })
        return 'mismatch'
      }
      if (order.status === 'paid' || order.latePaidAt) return 'duplicate'

      const providerData = { ...order.providerData, [report.source]: report.raw }
      const paidAt = report.paidAt ? DateTime.fromJSDate(report.paidAt) : DateTime.utc()
      if (order.status === 'closed' || order.status === 'failed') {
        await trx.from('payment_orders').where('id', order.id).whereNull('late_paid_at').update({
          late_paid_at: paidAt.toJSDate(),
          provider_trade_no: report.providerTradeNo,
          provider_data: providerData,
          updated_at: new Date(),
        })
        refundIds.push(
          await this.refunds.openWithin(tenant, trx, order, order.amount, 'late_payment')
        )
        return 'refunding'
      }

      await moveOrder(trx, order, ['created', 'pending'], {
        status: 'paid',
        paid_at: paidAt.toJSDate(),
        provider_trade_no: report.providerTradeNo,
        provider_data: providerData,
      })
      try {
        const started = await trx.transaction((savepoint) => this.#fulfil(tenant, savepoint, order))
        if (started) charge.started = started
      } catch (error) {
        if (!(error instanceof DomainRefusal)) throw error
        await trx
          .from('payment_orders')
          .where('id', order.id)
          .update({ failure: `${error.reason}`, updated_at: new Date() })
        refundIds.push(
          await this.refunds.openWithin(tenant, trx, order, order.amount, 'unfulfilled')
        )
        return 'refunding'
      }
      return 'credited'
    })
    await dispatchRefunds(tenant.tenantId, refundIds)
    if (charge.started) await this.payPerCharge.afterPaid(charge.started)
    return outcome
  }

  /** What the payment was for: a top-up credited, a plan bought, a card bound, a charge started (扫码即充). */
  async #fulfil(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: PaymentOrder
  ): Promise<ChargeStarted | void> {
    if (order.purpose === 'charge') return this.payPerCharge.fulfilWithin(tenant, trx, order)
    if (order.purpose === 'topup') {
      // The provider's notice settles it, but a top-up opened at the counter
      // is that staff member's: they are its 操作人 in 账户流水.
      const operator =
        order.operatorStaffId === null
          ? tenant
          : new TenantContext(
              tenant.tenantId,
              order.operatorStaffId,
              tenant.projectIds,
              tenant.permissions,
              tenant.origin
            )
      await this.wallet.topUpQr(
        operator,
        {
          riderId: order.riderId!,
          projectId: order.projectId,
          paymentId: order.paymentNo,
          realAmount: order.amount,
          bonusAmount: order.bonusAmount || undefined,
        },
        trx
      )
      return
    }
    if (order.purpose === 'plan') {
      // Paid in and spent on the plan in one ledger entry.
      await new RiderPlanService(this.wallet, this.audit).purchaseWithin(tenant, trx, {
        riderId: order.riderId!,
        planId: Number(order.purposeData.planId),
        paidBy: 'payment',
        priceFen: order.amount,
        idempotencyKey: `payment:${order.paymentNo}`,
        paymentNo: order.paymentNo,
      })
      return
    }
    await new CardService(tenant, this.audit).bindWithin(tenant, trx, {
      cardNo: String(order.purposeData.cardNo),
      riderId: order.riderId!,
      projectId: order.projectId,
      paymentId: order.id,
    })
  }

  /** The provider closed the order (or it expired unpaid). */
  async markClosed(tenant: TenantContext, paymentNo: string) {
    await tenant.run(async (trx) => {
      const order = await tenant.query(PaymentOrder, trx).where('payment_no', paymentNo).first()
      if (order) {
        await moveOrder(trx, order, ['created', 'pending'], {
          status: 'closed',
          closed_at: new Date(),
        })
      }
    })
  }

  /**
   * Follows an open order up with its provider: settles a payment whose
   * notification never came, closes an expired one (asking the provider
   * to close it first, so no payment can land unseen afterwards).
   */
  async followUp(tenant: TenantContext, orderId: number) {
    const order = await tenant.run((trx) =>
      tenant.query(PaymentOrder, trx).where('id', orderId).first()
    )
    if (!order || !['created', 'pending'].includes(order.status)) return
    const provider = await providerFor(tenant, order)
    const expired = order.expiresAt < DateTime.utc()

    const settleIfPaid = async () => {
      const state = await provider.query(order.paymentNo)
      if ((state.status === 'paid' || state.status === 'refunded') && state.amount !== null) {
        await this.settle(tenant, {
          paymentNo: order.paymentNo,
          amount: state.amount,
          providerTradeNo: state.providerTradeNo,
          paidAt: state.paidAt,
          merchant: state.merchant ?? { merchantId: order.merchantId, appId: order.appId },
          raw: state.raw,
          source: 'query',
        })
        return true
      }
      if (state.status === 'closed') {
        await this.markClosed(tenant, order.paymentNo)
        return true
      }
      return false
    }

    if (await settleIfPaid()) return
    if (!expired) return
    await provider.close(order.paymentNo)
    // Paid in the moment before the close: settle it rather than close it.
    if (await settleIfPaid()) return
    await this.markClosed(tenant, order.paymentNo)
  }
}
