import type { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** 立减 (an amount off the bill) or 免费时长 (hours of the charge free). */
export const COUPON_KINDS = ['amount_off', 'free_hours'] as const
export type CouponKind = (typeof COUPON_KINDS)[number]

/** Fixed dates, or N days from issue. */
export const COUPON_VALIDITIES = ['fixed', 'days'] as const
export type CouponValidity = (typeof COUPON_VALIDITIES)[number]

/** 手动发放 by staff, or 新用户注册 (given once at the rider's H5 sign-up). */
export const COUPON_ISSUE_RULES = ['manual', 'first_sign_in'] as const
export type CouponIssueRule = (typeof COUPON_ISSUE_RULES)[number]

export const COUPON_BATCH_STATUSES = ['active', 'stopped'] as const
export type CouponBatchStatus = (typeof COUPON_BATCH_STATUSES)[number]

/** A batch of coupons of one project (营销 → 优惠券); see migration 0300. */
export default class CouponBatch extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  @column()
  declare name: string

  @column()
  declare kind: CouponKind

  @column()
  declare amountFen: number | null

  @column()
  declare freeHours: number | null

  @column()
  declare validity: CouponValidity

  @column.dateTime()
  declare validFrom: DateTime | null

  @column.dateTime()
  declare validUntil: DateTime | null

  @column()
  declare validDays: number | null

  @column()
  declare perRiderLimit: number

  @column()
  declare totalCount: number

  @column()
  declare issuedCount: number

  @column()
  declare issueRule: CouponIssueRule

  @column()
  declare status: CouponBatchStatus

  @column()
  declare createdByStaffId: number | null
}
