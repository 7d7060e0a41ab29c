import vine from '@vinejs/vine'
import { PREPAID_MAX_FEN, PREPAID_MIN_FEN } from '#services/orders/pay_per_charge'

/** 扫码即充: 充满自停 with a prepaid amount (fen) or N hours, where the rest goes, the page's key. */
export const payPerChargeValidator = vine.create({
  kind: vine.enum(['full', 'hours'] as const),
  amount: vine
    .number({ strict: true })
    .withoutDecimals()
    .range([PREPAID_MIN_FEN, PREPAID_MAX_FEN])
    .optional()
    .requiredWhen('kind', '=', 'full'),
  hours: vine
    .number({ strict: true })
    .withoutDecimals()
    .range([1, 24])
    .optional()
    .requiredWhen('kind', '=', 'hours'),
  restTo: vine.enum(['original', 'wallet'] as const).optional(),
  idempotencyKey: vine.string().uuid(),
})

/** The result page of a payment, found by the page's key. */
export const payPerChargeKeyValidator = vine.create({
  params: vine.object({ key: vine.string().uuid() }),
})
