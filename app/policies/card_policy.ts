import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** IC cards: the inventory (卡片), 开卡, and 换卡 / 挂失 / 解挂 / 入库. */
@inject()
export default class CardPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('cards.view')
  }

  issue() {
    return this.tenant.can('cards.issue')
  }

  manage() {
    return this.tenant.can('cards.manage')
  }
}
