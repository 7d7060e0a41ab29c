import TenantContext from '#core/tenancy/tenant_context'
import { couponStatus } from '#models/rider_coupon'
import type { H5Rider } from '#services/h5/h5_types'
import type { RiderCouponRow } from '#services/riders/coupon_rows'

/** How many coupons 我的优惠券 shows: the usable first, then the newest others. */
const LISTED = 50

/** The rider H5's 我的优惠券: the signed-in rider's own coupons, of every project of the tenant. */
export default class RiderCoupons {
  async mine(rider: H5Rider): Promise<RiderCouponRow[]> {
    const now = new Date()
    const rows = await TenantContext.forJob(rider.tenantId).run((trx) =>
      trx
        .from('rider_coupons as c')
        .join('coupon_batches as b', 'b.id', 'c.batch_id')
        .join('projects as p', 'p.id', 'c.project_id')
        .leftJoin('charging_orders as o', 'o.id', 'c.used_on_order_id')
        .where({ 'c.tenant_id': rider.tenantId, 'c.rider_id': rider.riderId })
        .orderByRaw(`(c.status = 'unused' AND c.expires_at > ?) DESC`, [now])
        .orderBy('c.expires_at')
        .orderBy('c.id', 'desc')
        .limit(LISTED)
        .select(
          'c.id',
          'c.status',
          'c.valid_from',
          'c.expires_at',
          'c.discount_fen',
          'b.name',
          'b.kind',
          'b.amount_fen',
          'b.free_hours',
          'p.name as project_name',
          'o.order_no'
        )
    )
    return rows.map((row) => ({
      id: Number(row.id),
      name: row.name,
      projectName: row.project_name,
      kind: row.kind,
      amountFen: row.amount_fen,
      freeHours: row.free_hours,
      status: couponStatus({ status: row.status, expiresAt: row.expires_at }, now),
      validFrom: new Date(row.valid_from).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
      usedOrderNo: row.order_no ?? null,
      discountFen: row.discount_fen,
    }))
  }
}
