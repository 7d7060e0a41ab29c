import app from '@adonisjs/core/services/app'
import QRCode from 'qrcode'
import type PaymentOrder from '#models/payment_order'
import type { QrPaymentView } from '#services/finance/finance_rows'

export type { QrPaymentView }

/** What the staff's 扫码支付 dialog shows of a payment. */
export async function qrPaymentView(order: PaymentOrder): Promise<QrPaymentView> {
  const payable = order.status === 'pending' && order.codeUrl !== null
  const registry = await app.container.make('plugins')
  const linkable = registry.get(order.pluginId)?.capabilities.includes('payer-page-link') ?? false
  return {
    id: order.id,
    paymentNo: order.paymentNo,
    amount: order.amount,
    bonusAmount: order.bonusAmount,
    status: order.status,
    expiresAt: order.expiresAt.toUTC().toISO()!,
    qrImage: payable
      ? `data:image/svg+xml;base64,${Buffer.from(
          await QRCode.toString(order.codeUrl!, {
            type: 'svg',
            margin: 1,
            errorCorrectionLevel: 'M',
          })
        ).toString('base64')}`
      : null,
    payerLink: payable && linkable ? order.codeUrl : null,
    latePaid: order.latePaidAt !== null,
  }
}
