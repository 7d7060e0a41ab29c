import vine from '@vinejs/vine'
import { MAX_POSTING_FEN } from '#core/wallet/posting_rules'
import { PLAN_KINDS } from '#models/plan'

const count = (max: number) => vine.number({ strict: true }).withoutDecimals().min(1).max(max)

/** A plan as the 套餐 page sends it: price in fen; 包月 has charges a day, 次卡 charges in all. */
export const planValidator = vine.create({
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  kind: vine.enum(PLAN_KINDS),
  name: vine.string().trim().minLength(1).maxLength(64),
  priceFen: vine.number({ strict: true }).withoutDecimals().positive().max(MAX_POSTING_FEN),
  days: count(366),
  chargesPerDay: count(24).optional().requiredWhen('kind', '=', 'monthly'),
  charges: count(1000).optional().requiredWhen('kind', '=', 'count'),
  maxHours: count(24),
  enabled: vine.boolean({ strict: true }),
})
