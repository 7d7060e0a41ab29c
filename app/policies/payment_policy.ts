import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** QR payments: following one in the staff's dialog, and 对账. */
@inject()
export default class PaymentPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  /** Whoever can open a QR payment (充值, 开卡) can watch it land. */
  follow() {
    return this.tenant.can('wallet.topup') || this.tenant.can('cards.issue')
  }

  reconcile() {
    return this.tenant.can('finance.reconcile')
  }
}
