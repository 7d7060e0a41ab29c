import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 用户 → 优惠券: batches created, stopped and issued by one permission. */
@inject()
export default class CouponPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  manage() {
    return this.tenant.can('coupons.manage')
  }
}
