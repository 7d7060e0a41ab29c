import vine from '@vinejs/vine'

// Calendar days, read in Asia/Shanghai by the queries (not as server-local dates).
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

const id = () => vine.number().withoutDecimals().min(1)

// Keyset paging: the page after the row `before`, or the page before the row `after`.
const anchors = { before: id().optional(), after: id().optional() }

/** 财务 → 收款记录: filters and paging (query string). */
export const paymentRecordsValidator = vine.create({
  paymentNo: vine.string().trim().maxLength(64).optional(),
  phone: vine.string().trim().maxLength(20).optional(),
  projectId: id().optional(),
  purpose: vine.enum(['topup', 'card_fee', 'charge'] as const).optional(),
  // 待支付 covers created (not yet at the provider) and pending.
  status: vine.enum(['pending', 'paid', 'closed', 'failed'] as const).optional(),
  pluginId: vine.string().trim().maxLength(64).optional(),
  from: day().optional(),
  to: day().optional(),
  ...anchors,
})

/** 财务 → 退款记录: filters and paging (query string). */
export const refundRecordsValidator = vine.create({
  refundNo: vine.string().trim().maxLength(64).optional(),
  paymentNo: vine.string().trim().maxLength(64).optional(),
  phone: vine.string().trim().maxLength(20).optional(),
  status: vine.enum(['pending', 'succeeded', 'failed'] as const).optional(),
  cause: vine
    .enum(['rider_refund', 'late_payment', 'unfulfilled', 'charge_rest'] as const)
    .optional(),
  // Only the refunds owed to riders in cash (the banner's link).
  awaitingCash: vine.boolean().optional(),
  projectId: id().optional(),
  from: day().optional(),
  to: day().optional(),
  ...anchors,
})

/** A refund named in the URL. */
export const refundIdValidator = vine.create({ id: id() })

/** 财务 → 对账: the runs' page and the run whose differences are shown. */
export const reconciliationPageValidator = vine.create({
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
  run: id().optional(),
  differencesPage: vine.number().withoutDecimals().min(1).max(100000).optional(),
})

/** 立即对账: one payment setting (channel) and one bill day. */
export const reconcileValidator = vine.create({
  settingId: id(),
  billDate: day(),
})
