import app from '@adonisjs/core/services/app'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publicUrl } from '#config/app'
import type PaymentOrder from '#models/payment_order'
import type { PaymentMerchant, PaymentProvider } from '#sdk/contracts/payment'
import TenantPluginService from '#plugins/tenant_plugins'
import type AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import PaymentRefusal from '#services/finance/payment_refusal'

/*
| What every part of the payment core (QR orders, settlement, refunds,
| notifications) knows of a payment order: its provider, the merchant it
| was opened with, its guarded state transitions and the security record
| of a report that does not match it.
*/

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

/** The tenant's payment settings (plugin instances). */
export async function paymentSettings() {
  return new TenantPluginService(await app.container.make('plugins'))
}

/** The provider an order was opened with (its setting, enabled or not). */
export async function providerFor(
  tenant: TenantContext,
  order: PaymentOrder
): Promise<PaymentProvider> {
  const settings = await paymentSettings()
  const provider = await settings.instanceOf(tenant, 'payment', order.tenantPluginId)
  if (!provider) throw new PaymentRefusal('noProvider')
  return provider
}

/** A guarded transition: it happens only from the states named, and only once. */
export async function moveOrder(
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

/** A security record of a notification or report we refused; nothing else is written. */
export async function recordPaymentRejection(
  audit: AuditService,
  tenant: TenantContext,
  trx: TransactionClientContract,
  details: { problem: string; paymentNo?: string | null; reported?: unknown; pluginId?: string }
) {
  await audit.recordInContext(
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
