import AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import CouponBatchService, { type CouponBatchInput } from '#services/riders/coupon_batch_service'
import { owner } from '#tests/functional/charging/helpers'

/*
| Helpers of the 优惠券 tests: batches made and issued through the staff
| service (as 用户 → 优惠券 does), checks read through the owner connection.
*/

export function couponsAs(tenant: TenantContext) {
  return new CouponBatchService(tenant, new AuditService())
}

/** A manual batch of `projectId`: ¥2.00 off, 30 days from issue, one per rider, 100 of them. */
export function batchInput(projectId: number, input: Partial<CouponBatchInput> = {}) {
  return {
    projectId,
    name: '立减2元',
    kind: 'amount_off',
    amountFen: 200,
    validity: 'days',
    validDays: 30,
    perRiderLimit: 1,
    totalCount: 100,
    issueRule: 'manual',
    ...input,
  } satisfies CouponBatchInput
}

export function couponsOf(riderId: number) {
  return owner().from('rider_coupons').where('rider_id', riderId).orderBy('id')
}

export async function batchRow(id: number) {
  return owner().from('coupon_batches').where('id', id).firstOrFail()
}
