import vine from '@vinejs/vine'
import { ABNORMAL_REASONS, ORDER_CHANNELS, ORDER_STATUSES } from '#models/charging_order'

const id = () => vine.number().withoutDecimals().min(1)
// Calendar days, read in Asia/Shanghai by the queries.
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** 订单管理 and 异常订单: filters and keyset paging (query string). */
export const orderFiltersValidator = vine.create({
  orderNo: vine.string().trim().maxLength(16).optional(),
  name: vine.string().trim().maxLength(64).optional(),
  phone: vine.string().trim().maxLength(20).optional(),
  cardNo: vine.string().trim().maxLength(32).optional(),
  device: vine.string().trim().maxLength(64).optional(),
  projectId: id().optional(),
  channel: vine.enum(ORDER_CHANNELS).optional(),
  paidBy: vine.enum(['plan', 'wallet'] as const).optional(),
  status: vine.enum(ORDER_STATUSES).optional(),
  abnormalReason: vine.enum(ABNORMAL_REASONS).optional(),
  vendorId: id().optional(),
  from: day().optional(),
  to: day().optional(),
  before: id().optional(),
  after: id().optional(),
})

export const orderIdValidator = vine.create({ id: id() })

const reason = () => vine.string().trim().minLength(1).maxLength(255)

/** 异常订单 → 结算: an amount in fen (zero allowed: settle at nothing) and why. */
export const settleOrderValidator = vine.create({
  amountFen: vine.number({ strict: true }).withoutDecimals().min(0).max(100_000_000),
  reason: reason(),
})

/** 关闭, 退款, 远程停止: why, for the audit log. */
export const orderReasonValidator = vine.create({ reason: reason() })
