import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import PaymentOrder, { type PaymentPurpose } from '#models/payment_order'
import Rider from '#models/rider'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { openPayment, PaymentModeUnsupported, paymentModes } from '#sdk/contracts/payment'
import type TenantContext from '#core/tenancy/tenant_context'
import { newPaymentNumber } from '#services/finance/payment_numbers'
import { moveOrder, paymentSettings, webhookUrl } from '#services/finance/payment_orders'
import PaymentRefusal, { providerFailure } from '#services/finance/payment_refusal'
import type { MobilePaymentView } from '#services/finance/mobile_payment_view'

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

/** What the payer's page adds for its mode (see MobilePaymentRequest in the plugin kit). */
export type MobilePaymentFields =
  | { mode: 'native' }
  | { mode: 'jsapi'; payerId: string }
  | { mode: 'h5'; payerIp: string; returnUrl: string }

export interface StartMobilePaymentInput extends StartQrPaymentInput {
  payment: MobilePaymentFields
  /**
   * The caller's cap on open orders (throw to refuse), run in the insert's
   * transaction with the rider's row locked: concurrent opens of one
   * rider queue behind each other, so each sees the orders the others made.
   */
  withinLock?: (trx: TransactionClientContract) => Promise<void>
}

/**
 * The mode and the page's part of an order opened by startMobile, kept in
 * provider_data (payment_orders has no mode column); null for a QR order.
 */
export function mobilePaymentOf(order: PaymentOrder): MobilePaymentView | null {
  const opened = order.providerData.mobile
  return opened && typeof opened === 'object' ? (opened as MobilePaymentView) : null
}

/**
 * Opening a payment order with the project's provider (created → pending
 * with what the payer needs, or failed): 扫码支付 for the staff's dialog,
 * or a mode of the rider's phone (jsapi, h5). Orders, idempotency and
 * settlement are the same for every mode; what happens once it is paid is
 * PaymentSettlement's. No provider is called inside a database transaction.
 */
export default class QrPaymentService {
  /** Opens a QR payment with the project's provider; the order is pending with its code. */
  start(tenant: TenantContext, input: StartQrPaymentInput): Promise<PaymentOrder> {
    return this.#open(tenant, input, { mode: 'native' })
  }

  /**
   * Opens a payment in the mode the rider's phone can pay by; refused
   * (nothing written) when the project's provider does not offer it. A
   * retried request (same idempotency key) gets the first order back, in
   * the mode it was opened in: read it with mobilePaymentOf.
   */
  startMobile(tenant: TenantContext, input: StartMobilePaymentInput): Promise<PaymentOrder> {
    return this.#open(tenant, input, input.payment, input.withinLock)
  }

  async #open(
    tenant: TenantContext,
    input: StartQrPaymentInput,
    fields: MobilePaymentFields,
    withinLock?: StartMobilePaymentInput['withinLock']
  ): Promise<PaymentOrder> {
    if (!tenant.canSeeProject(input.projectId)) throw new PaymentRefusal('projectNotAllowed')
    const settings = await paymentSettings()
    const channel = await settings.resolve(tenant, 'payment', input.projectId)
    if (!channel) throw new PaymentRefusal('noProvider')
    if (!paymentModes(channel.instance).includes(fields.mode)) {
      throw new PaymentRefusal('modeUnsupported')
    }

    const order = await tenant.run(async (trx) => {
      // Locked first: a double tap's second request then finds the first's order.
      const rider = await tenant.query(Rider, trx).where('id', input.riderId).forUpdate().first()
      if (!rider) throw new PaymentRefusal('riderNotFound')
      const earlier = await tenant
        .query(PaymentOrder, trx)
        .where('idempotency_key', input.idempotencyKey)
        .first()
      if (earlier) return earlier
      if (rider.status === 'frozen') throw new PaymentRefusal('riderFrozen')
      await withinLock?.(trx)
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
      const { raw, ...opened } = await openPayment(channel.pluginId, channel.instance, {
        outTradeNo: order.paymentNo,
        amount: order.amount,
        description: input.description,
        notifyUrl: webhookUrl(channel.settingId),
        expiresAt: order.expiresAt.toJSDate(),
        ...fields,
      })
      await move({
        status: 'pending',
        code_url: opened.mode === 'native' ? opened.codeUrl : null,
        provider_data:
          opened.mode === 'native' ? { created: raw } : { created: raw, mobile: opened },
      })
    } catch (error) {
      if (!(error instanceof PluginProviderError || error instanceof PaymentModeUnsupported)) {
        throw error
      }
      await move({
        status: 'failed',
        failure: providerFailure(error, { tenantId: tenant.tenantId, paymentNo: order.paymentNo }),
      })
      throw new PaymentRefusal(
        error instanceof PaymentModeUnsupported ? 'modeUnsupported' : 'providerFailed'
      )
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
