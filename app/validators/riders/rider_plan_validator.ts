import vine from '@vinejs/vine'
import { postingReason } from '#core/wallet/posting_rules'

/** The page's once-per-submission key. */
const idempotencyKey = () =>
  vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{8,64}$/)

/** 购买套餐 at the counter: from the wallet or in cash. */
export const counterPlanPurchaseValidator = vine.create({
  planId: vine.number({ strict: true }).withoutDecimals().min(1),
  paidBy: vine.enum(['wallet', 'cash'] as const),
  idempotencyKey: idempotencyKey(),
})

/** 退套餐: why, as the ledger and the audit log keep it. */
export const planRefundValidator = vine.create({
  reason: postingReason(),
})

/** The H5 套餐 page: a plan and the page's key, paid from the wallet or by a mobile payment. */
export const h5PlanPurchaseValidator = vine.create({
  idempotencyKey: idempotencyKey(),
})
