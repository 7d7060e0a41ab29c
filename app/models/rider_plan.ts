import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { PlanTermsRow } from '#models/plan'

export type RiderPlanStatus = 'active' | 'refunded'
export type PlanPaidBy = 'wallet' | 'cash' | 'payment'

/**
 * A plan a rider bought: the plan's terms as sold (later edits of the plan
 * change nothing here). Its uses are the charging orders naming it.
 */
export default class RiderPlan extends PlanTermsRow {
  @column()
  declare riderId: number

  @column()
  declare planId: number

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
