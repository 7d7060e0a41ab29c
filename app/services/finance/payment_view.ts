import app from '@adonisjs/core/services/app'
import QRCode from 'qrcode'
import type PaymentOrder from '#models/payment_order'

// Type alias, not an interface: Inertia props must be plain JSON types.
export type QrPaymentView = {
  id: number
  paymentNo: string
  amount: number
  bonusAmount: number
  status: PaymentOrder['status']
  /** ISO, UTC. */
  expiresAt: string
  /** The QR code as an SVG data URL; null once the order cannot be paid. */
  qrImage: string | null
  /** The code's URL, given when the provider's payer page may be opened on this screen. */
  payerLink: string | null
  /** Paid after it had closed: being refunded. */
  latePaid: boolean
}

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
