import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 财务 → 退款申请: finance reads them; deciding one is a refund (退款's permission). */
@inject()
export default class RefundRequestPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('finance.view')
  }

  decide() {
    return this.tenant.can('wallet.refund')
  }
}
