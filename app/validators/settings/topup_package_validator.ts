import vine from '@vinejs/vine'
import { MAX_POSTING_FEN } from '#core/wallet/posting_rules'

/** A top-up package as the 充值套餐 page sends it; amounts in fen. */
export const topupPackageValidator = vine.create({
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  amount: vine.number({ strict: true }).withoutDecimals().positive().max(MAX_POSTING_FEN),
  bonus: vine.number({ strict: true }).withoutDecimals().min(0).max(MAX_POSTING_FEN),
  sortOrder: vine.number({ strict: true }).withoutDecimals().min(0).max(9999),
  enabled: vine.boolean({ strict: true }),
})
