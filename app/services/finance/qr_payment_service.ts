import { DateTime } from 'luxon'
import PaymentOrder, { type PaymentPurpose } from '#models/payment_order'
import Rider from '#models/rider'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type TenantContext from '#core/tenancy/tenant_context'
import { newPaymentNumber } from '#services/finance/payment_numbers'
import { moveOrder, paymentSettings, webhookUrl } from '#services/finance/payment_orders'
import PaymentRefusal, { providerFailure } from '#services/finance/payment_refusal'

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

/**
 * 扫码支付: opening a QR payment order with the project's provider
 * (created → pending with its code, or failed), and reading one back for
 * the staff's dialog. What happens once it is paid is PaymentSettlement's.
 * No provider is called inside a database transaction.
 */
export default class QrPaymentService {
  /** Opens a QR payment with the project's provider; the order is pending with its code. */
  async start(tenant: TenantContext, input: StartQrPaymentInput): Promise<PaymentOrder> {
    if (!tenant.canSeeProject(input.projectId)) throw new PaymentRefusal('projectNotAllowed')
    const settings = await paymentSettings()
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

    const move = (changes: Record<string, unknown>) =>
      tenant.run((trx) => moveOrder(trx, order, ['created'], changes))
    try {
      const opened = await channel.instance.createQrPayment({
        outTradeNo: order.paymentNo,
        amount: order.amount,
        description: input.description,
        notifyUrl: webhookUrl(channel.settingId),
        expiresAt: order.expiresAt.toJSDate(),
      })
      await move({
        status: 'pending',
        code_url: opened.codeUrl,
        provider_data: { created: opened.raw },
      })
    } catch (error) {
      if (!(error instanceof PluginProviderError)) throw error
      await move({
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
}
