import vine from '@vinejs/vine'
import { PREPAID_MAX_FEN, PREPAID_MIN_FEN } from '#services/orders/pay_per_charge'
import { wholeNumberWhen } from '#validators/rules/fields'

/** 扫码即充: 充满自停 with a prepaid amount (fen) or N hours, where the rest goes, the page's key. */
export const payPerChargeValidator = vine.create({
  kind: vine.enum(['full', 'hours'] as const),
  amount: wholeNumberWhen('kind', 'full', [PREPAID_MIN_FEN, PREPAID_MAX_FEN], { strict: true }),
  hours: wholeNumberWhen('kind', 'hours', [1, 24], { strict: true }),
  restTo: vine.enum(['original', 'wallet'] as const).optional(),
  idempotencyKey: vine.string().uuid(),
})

/** The result page of a payment, found by the page's key. */
export const payPerChargeKeyValidator = vine.create({
  params: vine.object({ key: vine.string().uuid() }),
})
