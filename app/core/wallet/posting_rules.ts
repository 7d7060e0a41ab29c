import vine from '@vinejs/vine'
import i18nManager from '@adonisjs/i18n/services/main'
import { formatYuan } from '#sdk/money'
import type { DateTime } from 'luxon'

/*
| The amounts and reasons a posting may carry, checked by the wallet itself
| whoever posts (a page, the counter, a payment, a settlement). Validators at
| the edge build their amount and reason fields from the same rules.
*/

export interface PostingTarget {
  riderId: number
  projectId: number
}

/** What one posting asks for; `post` turns it into one ledger entry. */
export type Posting =
  | (PostingTarget & {
      type: 'counter_topup' | 'qr_topup'
      idempotencyKey: string
      realAmount: number
      bonusAmount?: number
      reference?: string | null
    })
  | (PostingTarget & {
      type: 'bonus_grant'
      idempotencyKey: string
      bonusAmount: number
      reason?: string
    })
  | (PostingTarget & {
      type: 'charge_settlement'
      idempotencyKey: string
      amount: number
      orderNo: string
      occurredAt?: DateTime
    })
  | (PostingTarget & {
      type: 'refund'
      idempotencyKey: string
      amount: number
      reason: string
      /**
       * The payment a pay-per-charge rest goes back through: posted by the
       * system (no operator) and the bonus balance is kept.
       */
      paymentNo?: string
    })
  | (PostingTarget & {
      type: 'plan_purchase'
      idempotencyKey: string
      amount: number
      /** wallet: paid from the available balance; cash or payment: paid in and spent in one entry. */
      paidBy: 'wallet' | 'cash' | 'payment'
      reference: string
    })
  | (PostingTarget & {
      type: 'plan_refund'
      idempotencyKey: string
      realAmount: number
      bonusAmount: number
      reason: string
      reference: string
    })
  | { type: 'correction'; entryId: number; reason: string }

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
export function postingFen() {
  return vine.number({ strict: true }).withoutDecimals().positive().max(MAX_POSTING_FEN)
}

/** Why staff posted it, as the ledger keeps it. */
export const postingReason = () => vine.string().trim().minLength(1).maxLength(255)

const topUp = vine.withMetaData<{ cap: number }>().create({
  realAmount: postingFen().use(withinProjectCap()),
  bonusAmount: postingFen().use(withinProjectCap()).optional(),
})

const bonusGrant = vine.withMetaData<{ cap: number }>().create({
  bonusAmount: postingFen().use(withinProjectCap()),
  reason: postingReason().optional(),
})

const deduction = vine.create({ amount: postingFen() })

const refund = vine.create({ amount: postingFen(), reason: postingReason() })

const correction = vine.create({ reason: postingReason() })

const planRefund = vine.create({
  realAmount: postingFen().optional(),
  bonusAmount: postingFen().optional(),
  reason: postingReason(),
})

/** Checks a posting's amounts and reason; `topupMax` is its project's cap on one top-up. */
export async function checkPosting(posting: Posting, topupMax: number) {
  const options = {
    messagesProvider: i18nManager
      .locale(i18nManager.defaultLocale)
      .createMessagesProvider('wallet.validation'),
  }
  switch (posting.type) {
    case 'counter_topup':
    case 'qr_topup':
      return topUp.validate(
        { realAmount: posting.realAmount, bonusAmount: posting.bonusAmount },
        { ...options, meta: { cap: topupMax } }
      )
    case 'bonus_grant':
      return bonusGrant.validate(
        { bonusAmount: posting.bonusAmount, reason: posting.reason },
        { ...options, meta: { cap: topupMax } }
      )
    case 'charge_settlement':
      return deduction.validate({ amount: posting.amount }, options)
    case 'refund':
      return refund.validate({ amount: posting.amount, reason: posting.reason }, options)
    case 'correction':
      return correction.validate({ reason: posting.reason }, options)
    case 'plan_purchase':
      return deduction.validate({ amount: posting.amount }, options)
    case 'plan_refund':
      return planRefund.validate(
        {
          realAmount: posting.realAmount || undefined,
          bonusAmount: posting.bonusAmount || undefined,
          reason: posting.reason,
        },
        options
      )
  }
}
