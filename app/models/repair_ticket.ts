import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** 无法充电 / 插座损坏 / 充电慢 / 扫码无反应 / 其他: what a rider picks when reporting. */
export const REPAIR_CATEGORIES = [
  'no_charge',
  'socket_damaged',
  'slow_charge',
  'scan_failed',
  'other',
] as const
export type RepairCategory = (typeof REPAIR_CATEGORIES)[number]

/** 待处理 / 处理中 / 已关闭. */
export const REPAIR_STATUSES = ['open', 'in_progress', 'closed'] as const
export type RepairStatus = (typeof REPAIR_STATUSES)[number]

/** A rider's 报修 of a port, handled by staff in 运维 → 报修工单. */
export default class RepairTicket extends compose(
  BaseModel,
  TenantOwned,
  ProjectOwned,
  Timestamps
) {
  @column()
  declare pileId: number

  @column()
  declare portNo: number

  @column()
  declare riderId: number

  @column()
  declare category: RepairCategory

  @column()
  declare description: string | null

  @column()
  declare status: RepairStatus

  @column()
  declare assigneeStaffId: number | null

  @column.dateTime()
  declare assignedAt: DateTime | null

  @column()
  declare closedByStaffId: number | null

  @column()
  declare closeNote: string | null

  @column.dateTime()
  declare closedAt: DateTime | null
}
