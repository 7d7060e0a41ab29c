import type TenantContext from '#core/tenancy/tenant_context'
import { paymentModes, type PaymentMode } from '#sdk/contracts/payment'
import { paymentSettings } from '#services/finance/payment_orders'
import type { MobilePaymentFields } from '#services/finance/qr_payment_service'
import type { H5Payer } from '#services/h5/h5_types'

/**
 * The payment plugins a payer identity can pay through in-app: a WeChat
 * openid only means something to WeChat Pay, an Alipay user id to Alipay;
 * the sandbox takes either, so `npm run dev` shows the in-app flow.
 */
const IN_APP_PLUGINS: Record<H5Payer['provider'], readonly string[]> = {
  wechat: ['payment-wechatpay', 'payment-sandbox'],
  alipay: ['payment-alipay', 'payment-sandbox'],
}

/** What h5 mode needs of the rider's browser. */
export type H5PayingBrowser = { payerIp: string; returnUrl: string }

/** How the rider's phone pays through this channel: in-app (jsapi) for a matching payer, else h5; null when neither. */
export function phoneModeOf(
  channel: { pluginId: string; modes: readonly PaymentMode[] },
  payer: H5Payer | null
): 'jsapi' | 'h5' | null {
  if (
    payer &&
    IN_APP_PLUGINS[payer.provider].includes(channel.pluginId) &&
    channel.modes.includes('jsapi')
  ) {
    return 'jsapi'
  }
  return channel.modes.includes('h5') ? 'h5' : null
}

/** How the rider's phone pays in this project: phoneModeOf its payment channel; null without one. */
export async function phoneModeFor(
  tenant: TenantContext,
  projectId: number,
  payer: H5Payer | null
): Promise<'jsapi' | 'h5' | null> {
  const settings = await paymentSettings()
  const channel = await settings.resolve(tenant, 'payment', projectId)
  return channel
    ? phoneModeOf({ pluginId: channel.pluginId, modes: paymentModes(channel.instance) }, payer)
    : null
}

/**
 * The payment fields for an H5 payment in this project: jsapi with the
 * session payer's id where the project's channel takes it, else h5 back to
 * the browser; null when the channel has no phone mode (or no channel).
 */
export async function phonePaymentFor(
  tenant: TenantContext,
  projectId: number,
  payer: H5Payer | null,
  browser: H5PayingBrowser
): Promise<MobilePaymentFields | null> {
  const mode = await phoneModeFor(tenant, projectId, payer)
  if (mode === 'jsapi' && payer) return { mode, payerId: payer.payerId }
  return mode ? { mode: 'h5', ...browser } : null
}
