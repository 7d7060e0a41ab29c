import vine from '@vinejs/vine'
import { REPAIR_CATEGORIES, REPAIR_STATUSES } from '#models/repair_ticket'

const queryId = () => vine.number().withoutDecimals().min(1).optional()

/** The rider's 报修: a category and, optionally, what they saw (bounded). */
export const repairReportValidator = vine.create({
  category: vine.enum(REPAIR_CATEGORIES),
  description: vine.string().trim().maxLength(200).nullable().optional(),
})

/** 运维 → 报修工单's filters and paging. */
export const repairListValidator = vine.create({
  status: vine.enum(REPAIR_STATUSES).optional(),
  projectId: queryId(),
  pileId: queryId(),
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
  perPage: vine.number().in([10, 20, 50, 100]).optional(),
})

/** 指派: the staff member who takes the ticket. */
export const repairAssignValidator = vine.create({
  staffId: vine.number({ strict: true }).withoutDecimals().min(1),
})

/** 关闭: what was done or found, for the rider and the log. */
export const repairCloseValidator = vine.create({
  note: vine.string().trim().minLength(1).maxLength(200),
})

/** 停用端口 / 恢复端口. */
