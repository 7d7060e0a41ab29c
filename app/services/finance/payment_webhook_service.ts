import db from '@adonisjs/lucid/services/db'
import PaymentOrder from '#models/payment_order'
import PaymentRefund from '#models/payment_refund'
import {
  PaymentWebhookRejected,
  type PaymentWebhookEvent,
  type RawWebhook,
  type WebhookReply,
} from '#sdk/contracts/payment'
import AuditService from '#core/audit/audit_service'
import TenantContext, { type WorkOrigin } from '#core/tenancy/tenant_context'
import {
  paymentSettings,
  recordPaymentRejection,
  sameMerchant,
} from '#services/finance/payment_orders'
import { dispatchPaymentEvent } from '#services/finance/payment_queue'
import WebhookRefusals from '#services/finance/webhook_refusals'

const NOT_FOUND: WebhookReply = { status: 404, body: 'not found' }

/**
 * A provider's notification, as fast as it can be answered: the signature
 * is verified on the raw body, the event is checked against our order
 * (merchant, app, amount), and the work goes to a job. Anything that does
 * not hold is refused with a 4xx: a notification that cannot be trusted
 * (anyone can send one) is only counted; a trusted one that does not match
 * our order leaves a security record.
 */
export default class PaymentWebhookService {
  constructor(
    protected audit = new AuditService(),
    protected refusals = new WebhookRefusals()
  ) {}

  async receive(settingId: number, webhook: RawWebhook, origin: WorkOrigin): Promise<WebhookReply> {
    // Which tenant the setting belongs to is known only by the owner; all else runs walled in.
    const setting = await db
      .connection('owner')
      .from('tenant_plugins')
      .where({ id: settingId, kind: 'payment' })
      .select('tenant_id', 'plugin_id')
      .first()
    if (!setting) return NOT_FOUND
    const tenant = new TenantContext(setting.tenant_id, null, null, new Set(), origin)
    const settings = await paymentSettings()
    const provider = await settings.instanceOf(tenant, 'payment', settingId)
    if (!provider) return NOT_FOUND

    const refuse = async (problem: string, paymentNo: string | null = null, reported?: unknown) => {
      await tenant.run((trx) =>
        recordPaymentRejection(this.audit, tenant, trx, {
          problem,
          paymentNo,
          reported,
          pluginId: setting.plugin_id,
        })
      )
      return provider.webhookReply(false, problem)
    }

    let event: PaymentWebhookEvent | null
    try {
      event = await provider.parseWebhook(webhook)
    } catch (error) {
      if (!(error instanceof PaymentWebhookRejected)) throw error
      await this.refusals.count(tenant, settingId, error.problem)
      return provider.webhookReply(false, error.problem)
    }
    if (!event) return provider.webhookReply(true)

    const problem = await this.#mismatch(tenant, settingId, event)
    if (problem) {
      return refuse(problem, event.outTradeNo, { amount: event.amount, merchant: event.merchant })
    }

    await dispatchPaymentEvent(tenant.tenantId, event)
    return provider.webhookReply(true)
  }

  /** Why the event cannot be about our order, or null when it matches. */
  async #mismatch(tenant: TenantContext, settingId: number, event: PaymentWebhookEvent) {
    return tenant.run(async (trx) => {
      const order = await tenant
        .query(PaymentOrder, trx)
        .where({ payment_no: event.outTradeNo, tenant_plugin_id: settingId })
        .first()
      if (!order) return 'unknown order'
      if (!sameMerchant(order, event.merchant, event.kind)) {
        return 'merchant or app id differs from the order'
      }
      if (event.kind === 'payment') {
        if (event.status === 'paid' && event.amount !== order.amount) {
          return 'amount differs from the order'
        }
        await trx
          .from('payment_orders')
          .where('id', order.id)
          .whereNull('notified_at')
          .update({ notified_at: new Date() })
        return null
      }
      const refund = await tenant
        .query(PaymentRefund, trx)
        .where({ refund_no: event.outRefundNo, payment_order_id: order.id })
        .first()
      if (!refund) return 'unknown refund'
      if (event.amount !== refund.amount) return 'refund amount differs from ours'
      return null
    })
  }
}
