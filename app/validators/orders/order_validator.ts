import vine from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'

const id = () => vine.number().withoutDecimals().min(1)
// Calendar days, read in Asia/Shanghai by the queries.
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

export const ORDER_STATUSES = [
  'authorised',
  'charging',
  'ended',
  'settled',
  'abnormal',
  'cancelled',
  'refunded',
] as const
export const ABNORMAL_REASONS = [
  'no_start',
  'no_end',
  'pile_offline',
  'phantom',
  'settlement_failed',
  'unknown_rider',
  'capped_duration',
  'capped_energy',
] as const

/** 订单管理 and 异常订单: filters and keyset paging (query string). */
export const orderFiltersValidator = vine.create({
  orderNo: vine.string().trim().maxLength(16).optional(),
  phone: vine.string().trim().maxLength(20).optional(),
  cardNo: vine.string().trim().maxLength(32).optional(),
  device: vine.string().trim().maxLength(64).optional(),
  projectId: id().optional(),
  channel: vine.enum(['card', 'app', 'ble', 'staff'] as const).optional(),
  status: vine.enum(ORDER_STATUSES).optional(),
  abnormalReason: vine.enum(ABNORMAL_REASONS).optional(),
  vendorId: id().optional(),
  from: day().optional(),
  to: day().optional(),
  before: id().optional(),
  after: id().optional(),
})

export type OrderFilters = Infer<typeof orderFiltersValidator>

export const orderIdValidator = vine.create({ id: id() })

const reason = () => vine.string().trim().minLength(1).maxLength(255)

/** 异常订单 → 结算: an amount in fen (zero allowed: settle at nothing) and why. */
export const settleOrderValidator = vine.create({
  amountFen: vine.number({ strict: true }).withoutDecimals().min(0).max(100_000_000),
  reason: reason(),
})

/** 关闭, 退款, 远程停止: why, for the audit log. */
export const orderReasonValidator = vine.create({ reason: reason() })
