import vine from '@vinejs/vine'
import { postingFen, postingReason } from '#core/wallet/posting_rules'

/**
 * 退款 from the riders list: real money in fen (the wallet checks it against
 * the balance), back through the QR payments (原路) or in cash, with a
 * reason. The key is made by the dialog once per submission.
 */
export const riderRefundValidator = vine.create({
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  amount: postingFen(),
  channel: vine.enum(['original', 'cash'] as const),
  reason: postingReason(),
  idempotencyKey: vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{16,64}$/),
})
