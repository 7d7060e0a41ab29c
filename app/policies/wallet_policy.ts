import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** Riders' money: reading the account ledger (账户流水) and top-ups (充值) and refunds (退款). */
@inject()
export default class WalletPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  viewLedger() {
    return this.tenant.can('ledger.view')
  }

  topUp() {
    return this.tenant.can('wallet.topup')
  }

  refund() {
    return this.tenant.can('wallet.refund')
  }
}
