import vine from '@vinejs/vine'
import { formatYuan } from '#core/wallet/money'

/** No single posting moves more than 1,000,000 yuan, whatever a project allows. */
export const MAX_POSTING_FEN = 100_000_000

/** The project's cap on one top-up (topup_max), reported in yuan. */
const withinProjectCap = vine.createRule((value, _, field) => {
  const cap = field.meta.cap
  if (typeof value === 'number' && typeof cap === 'number' && value > cap) {
    field.report('{field} exceeds the limit', 'projectCap', field, {
      limit: formatYuan(cap),
    })
  }
})

/** An amount in fen: a whole number above zero. Strings are refused, not converted. */
function fen() {
  return vine.number({ strict: true }).withoutDecimals().positive().max(MAX_POSTING_FEN)
}

const reason = () => vine.string().trim().minLength(1).maxLength(255)

export const topUpValidator = vine.withMetaData<{ cap: number }>().create({
  realAmount: fen().use(withinProjectCap()),
  bonusAmount: fen().use(withinProjectCap()).optional(),
})

export const bonusGrantValidator = vine.withMetaData<{ cap: number }>().create({
  bonusAmount: fen().use(withinProjectCap()),
  reason: reason().optional(),
})

export const deductionValidator = vine.create({
  amount: fen(),
})

export const refundValidator = vine.create({
  amount: fen(),
  reason: reason(),
})

export const correctionValidator = vine.create({
  reason: reason(),
})

/**
 * 退款 from the riders list: real money in fen (the wallet checks it against
 * the balance), back through the QR payments (原路) or in cash, with a
 * reason. The key is made by the dialog once per submission.
 */
export const riderRefundValidator = vine.create({
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  amount: fen(),
  channel: vine.enum(['original', 'cash'] as const),
  reason: reason(),
  idempotencyKey: vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{16,64}$/),
})
