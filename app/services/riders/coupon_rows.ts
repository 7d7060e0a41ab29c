import type {
  CouponBatchStatus,
  CouponIssueRule,
  CouponKind,
  CouponValidity,
} from '#models/coupon_batch'
import type { CouponStatus } from '#models/rider_coupon'
import type { Option, Pagination } from '#services/page_props'

/*
 * 优惠券 rows and page props, as the pages receive them (types only).
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

/** A batch as 用户 → 优惠券 lists it. */
export type CouponBatchRow = {
  id: number
  projectId: number
  projectName: string
  name: string
  kind: CouponKind
  amountFen: number | null
  freeHours: number | null
  validity: CouponValidity
  validFrom: string | null
  validUntil: string | null
  validDays: number | null
  perRiderLimit: number
  totalCount: number
  issuedCount: number
  usedCount: number
  /** What the used coupons took off bills, in fen. */
  discountFen: number
  issueRule: CouponIssueRule
  status: CouponBatchStatus
  createdAt: string
}

export type CouponBatchFilters = {
  projectId: number | null
  status: CouponBatchStatus | null
}

export type CouponBatchesPageProps = {
  batches: CouponBatchRow[]
  pagination: Pagination
  filters: CouponBatchFilters
  projectOptions: Option[]
}

/** A rider's coupon as 我的优惠券 shows it. */
export type RiderCouponRow = {
  id: number
  name: string
  projectName: string
  kind: CouponKind
  amountFen: number | null
  freeHours: number | null
  status: CouponStatus
  validFrom: string
  expiresAt: string
  usedOrderNo: string | null
  discountFen: number | null
}
