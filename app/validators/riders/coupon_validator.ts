import vine from '@vinejs/vine'
import {
  COUPON_BATCH_STATUSES,
  COUPON_ISSUE_RULES,
  COUPON_KINDS,
  COUPON_VALIDITIES,
} from '#models/coupon_batch'

const day = () => vine.string().regex(/^\d{4}-\d{2}-\d{2}$/)

/** 用户 → 优惠券's filters and paging. */
export const couponBatchListValidator = vine.create({
  projectId: vine.number().withoutDecimals().min(1).optional(),
  status: vine.enum(COUPON_BATCH_STATUSES).optional(),
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
  perPage: vine.number().in([10, 20, 50, 100]).optional(),
})

/**
 * 新建批次: 立减 up to ¥1000 or 1–24 free hours; fixed days (Asia/Shanghai
 * calendar days, both included) or 1–3650 days from issue; bounded counts.
 */
export const couponBatchValidator = vine.create({
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  name: vine.string().trim().minLength(1).maxLength(50),
  kind: vine.enum(COUPON_KINDS),
  amountFen: vine
    .number({ strict: true })
    .withoutDecimals()
    .min(1)
    .max(100000)
    .optional()
    .requiredWhen('kind', '=', 'amount_off'),
  freeHours: vine
    .number({ strict: true })
    .withoutDecimals()
    .min(1)
    .max(24)
    .optional()
    .requiredWhen('kind', '=', 'free_hours'),
  validity: vine.enum(COUPON_VALIDITIES),
  validFrom: day().optional().requiredWhen('validity', '=', 'fixed'),
  validUntil: day().optional().requiredWhen('validity', '=', 'fixed'),
  validDays: vine
    .number({ strict: true })
    .withoutDecimals()
    .min(1)
    .max(3650)
    .optional()
    .requiredWhen('validity', '=', 'days'),
  perRiderLimit: vine.number({ strict: true }).withoutDecimals().min(1).max(100),
  totalCount: vine.number({ strict: true }).withoutDecimals().min(1).max(1000000),
  issueRule: vine.enum(COUPON_ISSUE_RULES),
})

/** 停用 / 启用 a batch. */
export const couponBatchStatusValidator = vine.create({
  status: vine.enum(COUPON_BATCH_STATUSES),
})

/** 发放: one coupon to each rider by phone (a list pasted, or the one rider of 用户管理). */
export const couponIssueValidator = vine.create({
  phones: vine
    .array(
      vine
        .string()
        .trim()
        .regex(/^1[3-9]\d{9}$/)
    )
    .minLength(1)
    .maxLength(200)
    .distinct(),
})
