import app from '@adonisjs/core/services/app'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publicUrl } from '#config/app'
import DomainRefusal from '#exceptions/domain_refusal'
import PaymentOrder, { type PaymentPurpose } from '#models/payment_order'
import PaymentRefund, { type RefundCause } from '#models/payment_refund'
import Rider from '#models/rider'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { PaymentMerchant, PaymentProvider, RefundResult } from '#sdk/contracts/payment'
import TenantPluginService from '#plugins/tenant_plugins'
import AuditService from '#core/audit/audit_service'
import CardService from '#services/cards/card_service'
import { newPaymentNumber } from '#services/finance/payment_numbers'
import PaymentRefusal, { providerFailure } from '#services/finance/payment_refusal'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'

/** How long a QR code can be paid. */
export const QR_VALID_MINUTES = 5

export interface StartQrPaymentInput {
  purpose: PaymentPurpose
  projectId: number
  riderId: number
  amount: number
  bonusAmount?: number
  purposeData?: Record<string, unknown>
  /** Shown to the payer. */
  description: string
  /** The page's key for this request: a retried request opens no second order. */
  idempotencyKey: string
}

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

/** Where a payment setting's notifications arrive. */
export function webhookUrl(settingId: number) {
  return `${publicUrl}/webhooks/payments/${settingId}`
}

/**
 * The notification names the merchant and app the order was opened with.
 * Refund notifications may leave the app out (WeChat Pay's carry only the
 * mchid); when they name one, it must match too.
 */
export function sameMerchant(
  order: PaymentOrder,
  merchant: PaymentMerchant,
  kind: 'payment' | 'refund' = 'payment'
) {
  if (merchant.merchantId !== order.merchantId) return false
  if (kind === 'refund' && merchant.appId === null) return true
  return (merchant.appId ?? null) === order.appId
}

export async function dispatchRefunds(tenantId: number, refundIds: number[]) {
  if (refundIds.length === 0) return
  const { sendRefundJob } = await import('#jobs/payment_jobs')
  const queue = await app.container.make('queue')
  for (const refundId of refundIds) {
    await queue.dispatch(sendRefundJob, { tenantId, refundId })
  }
}

/**
 * The payment core: QR payment orders and their state machine
 * (created → pending → paid | closed | failed), the credit on the guarded
 * pending → paid transition in the same transaction as the ledger posting,
 * and refunds as records of their own (pending → succeeded | failed).
 * No provider is called inside a database transaction.
 */
export default class PaymentService {
  constructor(
    protected wallet = new WalletService(),
    protected audit = new AuditService()
  ) {}

  async #settings() {
    return new TenantPluginService(await app.container.make('plugins'))
  }

  /** The provider an order was opened with (its setting, enabled or not). */
  async providerFor(tenant: TenantContext, order: PaymentOrder): Promise<PaymentProvider> {
    const settings = await this.#settings()
    const provider = await settings.instanceOf(tenant, 'payment', order.tenantPluginId)
    if (!provider) throw new PaymentRefusal('noProvider')
    return provider
  }

  /** Opens a QR payment with the project's provider; the order is pending with its code. */
  async startQrPayment(tenant: TenantContext, input: StartQrPaymentInput): Promise<PaymentOrder> {
    if (!tenant.canSeeProject(input.projectId)) throw new PaymentRefusal('projectNotAllowed')
    const settings = await this.#settings()
    const channel = await settings.resolve(tenant, 'payment', input.projectId)
    if (!channel) throw new PaymentRefusal('noProvider')

    const order = await tenant.run(async (trx) => {
      const earlier = await tenant
        .query(PaymentOrder, trx)
        .where('idempotency_key', input.idempotencyKey)
        .first()
      if (earlier) return earlier
      const rider = await tenant.query(Rider, trx).where('id', input.riderId).first()
      if (!rider) throw new PaymentRefusal('riderNotFound')
      if (rider.status === 'frozen') throw new PaymentRefusal('riderFrozen')
      const created = new PaymentOrder()
      created.useTransaction(trx)
      created.merge({
        tenantId: tenant.tenantId,
        projectId: input.projectId,
        riderId: rider.id,
        paymentNo: newPaymentNumber('P'),
        tenantPluginId: channel.settingId,
        pluginId: channel.pluginId,
        merchantId: channel.instance.merchant.merchantId,
        appId: channel.instance.merchant.appId,
        purpose: input.purpose,
        purposeData: input.purposeData ?? {},
        amount: input.amount,
        bonusAmount: input.bonusAmount ?? 0,
        status: 'created',
        providerData: {},
        idempotencyKey: input.idempotencyKey,
        operatorStaffId: tenant.staffId,
        expiresAt: DateTime.utc().plus({ minutes: QR_VALID_MINUTES }),
      })
      await created.save()
      return created
    })
    if (order.status !== 'created') return order

    try {
      const opened = await channel.instance.createQrPayment({
        outTradeNo: order.paymentNo,
        amount: order.amount,
        description: input.description,
        notifyUrl: webhookUrl(channel.settingId),
        expiresAt: order.expiresAt.toJSDate(),
      })
      await this.#move(tenant, order, ['created'], {
        status: 'pending',
        code_url: opened.codeUrl,
        provider_data: { created: opened.raw },
      })
    } catch (error) {
      if (!(error instanceof PluginProviderError)) throw error
      await this.#move(tenant, order, ['created'], {
        status: 'failed',
        failure: providerFailure(error, { tenantId: tenant.tenantId, paymentNo: order.paymentNo }),
      })
      throw new PaymentRefusal('providerFailed')
    }
    return this.find(tenant, order.id)
  }

  /** An order of this tenant in the staff member's projects; a 404 otherwise. */
  find(tenant: TenantContext, id: number) {
    return tenant.run((trx) =>
      tenant
        .limitToProjects(tenant.query(PaymentOrder, trx), 'project_id')
        .where('id', id)
        .firstOrFail()
    )
  }

  /**
   * A provider says the order is paid. Credits once, on pending → paid,
   * with the ledger posting (or the card binding) in the same transaction;
   * a payment the order can no longer take is refunded, never lost.
   */
  async settle(tenant: TenantContext, report: PaidReport): Promise<SettleOutcome> {
    const refundIds: number[] = []
    const outcome = await tenant.run(async (trx): Promise<SettleOutcome> => {
      const order = await tenant
        .query(PaymentOrder, trx)
        .where('payment_no', report.paymentNo)
        .forUpdate()
        .first()
      if (!order) throw new PaymentRefusal('paymentNotFound')
      if (!sameMerchant(order, report.merchant) || report.amount !== order.amount) {
        await this.recordRejection(tenant, trx, {
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
          await this.openRefundWithin(tenant, trx, order, order.amount, 'late_payment')
        )
        return 'refunding'
      }

      await this.#moveWithin(trx, order, ['created', 'pending'], {
        status: 'paid',
        paid_at: paidAt.toJSDate(),
        provider_trade_no: report.providerTradeNo,
        provider_data: providerData,
      })
      try {
        await trx.transaction((savepoint) => this.#fulfil(tenant, savepoint, order))
      } catch (error) {
        if (!(error instanceof DomainRefusal)) throw error
        await trx
          .from('payment_orders')
          .where('id', order.id)
          .update({ failure: `${error.reason}`, updated_at: new Date() })
        refundIds.push(await this.openRefundWithin(tenant, trx, order, order.amount, 'unfulfilled'))
        return 'refunding'
      }
      return 'credited'
    })
    await dispatchRefunds(tenant.tenantId, refundIds)
    return outcome
  }

  /** What the payment was for: a top-up credited, a card bound. */
  async #fulfil(tenant: TenantContext, trx: TransactionClientContract, order: PaymentOrder) {
    if (order.purpose === 'topup') {
      await this.wallet.topUpQr(
        tenant,
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
        await this.#moveWithin(trx, order, ['created', 'pending'], {
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
    const provider = await this.providerFor(tenant, order)
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

  /**
   * A refund of `amount` of `order`, recorded inside the caller's
   * transaction; the refund job sends it after commit. The order's
   * refunded total is raised in SQL, so no two refunds pass its amount.
   */
  async openRefundWithin(
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
  async sendRefund(tenant: TenantContext, refundId: number) {
    const found = await tenant.run(async (trx) => {
      const refund = await tenant.query(PaymentRefund, trx).where('id', refundId).first()
      const order =
        refund && (await tenant.query(PaymentOrder, trx).where('id', refund.paymentOrderId).first())
      return refund && order ? { refund, order } : null
    })
    if (!found || found.refund.status !== 'pending') return
    const { refund, order } = found
    const provider = await this.providerFor(tenant, order)
    try {
      const result = await provider.refund({
        outTradeNo: order.paymentNo,
        outRefundNo: refund.refundNo,
        amount: refund.amount,
        total: order.amount,
        reason: refund.reason,
        notifyUrl: webhookUrl(order.tenantPluginId),
      })
      await this.applyRefundResult(tenant, result, { attempted: true })
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
  async followUpRefund(tenant: TenantContext, refundId: number) {
    const found = await tenant.run(async (trx) => {
      const refund = await tenant.query(PaymentRefund, trx).where('id', refundId).first()
      const order =
        refund && (await tenant.query(PaymentOrder, trx).where('id', refund.paymentOrderId).first())
      return refund && order ? { refund, order } : null
    })
    if (!found || found.refund.status !== 'pending') return
    const provider = await this.providerFor(tenant, found.order)
    const result = await provider
      .queryRefund(found.order.paymentNo, found.refund.refundNo)
      .catch(() => null)
    if (result) await this.applyRefundResult(tenant, result)
    else await this.sendRefund(tenant, refundId)
  }

  /** A refund's state from the provider: pending → succeeded | failed, once. */
  async applyRefundResult(
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

  /** A security record of a notification or report we refused; nothing else is written. */
  async recordRejection(
    tenant: TenantContext,
    trx: TransactionClientContract,
    details: { problem: string; paymentNo?: string | null; reported?: unknown; pluginId?: string }
  ) {
    await this.audit.recordInContext(
      tenant,
      {
        action: 'payments.rejected',
        result: 'failure',
        reason: details.problem,
        target: details.paymentNo ? { type: 'payment', id: details.paymentNo } : null,
        after: { pluginId: details.pluginId ?? null, reported: details.reported ?? null },
      },
      trx
    )
  }

  async #move(
    tenant: TenantContext,
    order: PaymentOrder,
    from: string[],
    changes: Record<string, unknown>
  ) {
    await tenant.run((trx) => this.#moveWithin(trx, order, from, changes))
  }

  /** A guarded transition: it happens only from the states named, and only once. */
  async #moveWithin(
    trx: TransactionClientContract,
    order: PaymentOrder,
    from: string[],
    changes: Record<string, unknown>
  ) {
    const moved = await trx
      .from('payment_orders')
      .where('id', order.id)
      .whereIn('status', from)
      .update({ ...changes, updated_at: new Date() })
    return Number(moved) > 0
  }
}
