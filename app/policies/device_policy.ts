import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 运维: stations, piles and vendors; commands sent to piles. */
@inject()
export default class DevicePolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('devices.view')
  }

  manage() {
    return this.tenant.can('devices.manage')
  }

  command() {
    return this.tenant.can('devices.command')
  }
}
