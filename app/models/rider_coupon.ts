import type { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** What is stored; 已过期 (expired) is an unused coupon past expires_at. */
export type StoredCouponStatus = 'unused' | 'used'
/** 未使用 / 已使用 / 已过期, as riders and staff see a coupon. */
export type CouponStatus = StoredCouponStatus | 'expired'

/** One rider's coupon of a batch, used by at most one settlement; see migration 0300. */
export default class RiderCoupon extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  @column()
  declare batchId: number

  @column()
  declare riderId: number

  @column()
  declare status: StoredCouponStatus

  @column.dateTime()
  declare issuedAt: DateTime

  @column.dateTime()
  declare validFrom: DateTime

  @column.dateTime()
  declare expiresAt: DateTime

  @column()
  declare usedOnOrderId: number | null

  @column()
  declare discountFen: number | null

  @column.dateTime()
  declare usedAt: DateTime | null

  @column()
  declare issuedByStaffId: number | null
}

/** The status a coupon shows at `now`. */
export function couponStatus(
  coupon: { status: StoredCouponStatus; expiresAt: Date },
  now = new Date()
): CouponStatus {
  return coupon.status === 'unused' && coupon.expiresAt <= now ? 'expired' : coupon.status
}
