import type { PaymentMode } from '#sdk/contracts/payment'
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
