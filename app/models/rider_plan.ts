import type { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { PlanKind } from '#models/plan'

export type RiderPlanStatus = 'active' | 'refunded'
export type PlanPaidBy = 'wallet' | 'cash' | 'payment'

/**
 * A plan a rider bought: the plan's terms as sold (later edits of the plan
 * change nothing here). Its uses are the charging orders naming it.
 */
export default class RiderPlan extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  @column()
  declare riderId: number

  @column()
  declare planId: number

  @column()
  declare kind: PlanKind

  @column()
  declare name: string

  @column()
  declare priceFen: number

  @column()
  declare days: number

  @column()
  declare chargesPerDay: number | null

  @column()
  declare charges: number | null

  @column()
  declare maxHours: number

  @column.dateTime()
  declare startsAt: DateTime

  @column.dateTime()
  declare endsAt: DateTime

  @column()
  declare status: RiderPlanStatus

  @column()
  declare paidBy: PlanPaidBy

  @column()
  declare purchaseEntryId: number | null

  @column()
  declare paymentNo: string | null

  @column({ serializeAs: null })
  declare idempotencyKey: string

  @column()
  declare refundedFen: number | null

  @column()
  declare refundEntryId: number | null

  @column.dateTime()
  declare refundedAt: DateTime | null

  @column()
  declare operatorStaffId: number | null
}
