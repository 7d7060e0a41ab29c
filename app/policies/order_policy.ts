import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 订单: 订单管理 and 异常订单 (read); settle, close, refund and remote stop. */
@inject()
export default class OrderPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('orders.view')
  }

  /** Settling, closing and refunding abnormal orders. */
  resolve() {
    return this.tenant.can('orders.manage')
  }

  /** Stopping a charge at the pile is a device command too. */
  stop() {
    return this.tenant.can('orders.manage') || this.tenant.can('devices.command')
  }
}
