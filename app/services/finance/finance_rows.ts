import type { PaymentPurpose, PaymentStatus } from '#models/payment_order'
import type { RefundCause, RefundStatus } from '#models/payment_refund'

/*
 * 收款记录 and 退款记录 rows, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type PaymentRecord = {
  id: number
  paymentNo: string
  riderName: string | null
  phone: string | null
  project: string
  purpose: PaymentPurpose
  amount: number
  bonusAmount: number
  pluginId: string
  status: PaymentStatus
  /** Paid after we had closed it: refunded, never credited (关闭后到账). */
  latePaid: boolean
  refundedAmount: number
  /** ISO, UTC. */
  createdAt: string
  paidAt: string | null
}

export type RefundRecord = {
  id: number
  refundNo: string
  paymentNo: string
  riderName: string | null
  phone: string | null
  project: string
  amount: number
  cause: RefundCause
  reason: string
  attempts: number
  failure: string | null
  status: RefundStatus
  /** The rider's wallet was debited when the refund was made (用户退款). */
  walletDebited: boolean
  /** Failed at the provider after the debit, and not yet paid back in cash. */
  awaitingCash: boolean
  settledOfflineAt: string | null
  settledOfflineBy: string | null
  /** ISO, UTC. */
  createdAt: string
  settledAt: string | null
}

/** What the staff's 扫码支付 dialog shows of a payment (充值, 发卡). */
export type QrPaymentView = {
  id: number
  paymentNo: string
  amount: number
  bonusAmount: number
  status: PaymentStatus
  /** ISO, UTC. */
  expiresAt: string
  /** The QR code as an SVG data URL; null once the order cannot be paid. */
  qrImage: string | null
  /** The code's URL, given when the provider's payer page may be opened on this screen. */
  payerLink: string | null
  /** Paid after it had closed: being refunded. */
  latePaid: boolean
}
