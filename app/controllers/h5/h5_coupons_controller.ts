import type { HttpContext } from '@adonisjs/core/http'
import RiderCoupons from '#services/h5/rider_coupons'
import type { RiderCouponRow } from '#services/riders/coupon_rows'
import { readH5Rider, renderH5SignedOut } from '#controllers/h5/h5_session'

/** The rider H5's 我的优惠券: the signed-in rider's coupons, 未使用 first. */
export default class H5CouponsController {
  protected coupons = new RiderCoupons()

  async index(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    return ctx.inertia.render('h5/coupons', {
      coupons: await this.coupons.mine(rider),
    } satisfies { coupons: RiderCouponRow[] })
  }
}
