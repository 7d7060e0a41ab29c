import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 财务: 收款记录 and 退款记录 (read), 标记为线下已退, 对账. */
@inject()
export default class FinancePolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('finance.view')
  }

  /** Paying a failed refund back in cash is a refund: the same permission as 退款. */
  settleRefundOffline() {
    return this.tenant.can('wallet.refund')
  }

  reconcile() {
    return this.tenant.can('finance.reconcile')
  }
}
