import vine from '@vinejs/vine'
import { DEDUCTION_ORDERS } from '#core/wallet/deduction_order'
import { MAX_POSTING_FEN } from '#core/wallet/posting_rules'

// The 开卡 card fee (工本费) in fen, up to 1,000 元; 0 means free.
const cardFee = () => vine.number({ strict: true }).withoutDecimals().min(0).max(100000).optional()

/** 透支额度 in fen: a rider may owe at most 1,000 元 on one project; 0: no overdraft. */
export const MAX_OVERDRAFT_FEN = 100_000

/*
| The wallet rules of a project, in fen; absent: unchanged (or the
| database's default for a new project). A top-up cap stays within what
| one posting may move.
*/
const walletRules = {
  overdraftLimit: vine
    .number({ strict: true })
    .withoutDecimals()
    .min(0)
    .max(MAX_OVERDRAFT_FEN)
    .optional(),
  deductionOrder: vine.enum(DEDUCTION_ORDERS).optional(),
  topupMax: vine.number({ strict: true }).withoutDecimals().min(1).max(MAX_POSTING_FEN).optional(),
}

export const projectValidator = vine.create({
  code: vine
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,64}$/),
  name: vine.string().trim().minLength(1).maxLength(120),
  cardFee: cardFee(),
  ...walletRules,
})

export const projectUpdateValidator = vine.create({
  code: vine
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,64}$/),
  name: vine.string().trim().minLength(1).maxLength(120),
  status: vine.enum(['active', 'archived'] as const),
  cardFee: cardFee(),
  ...walletRules,
})
