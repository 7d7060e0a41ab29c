import { BasePolicy } from '@adonisjs/bouncer'
import type PlatformAdmin from '#models/platform_admin'

/**
 * What a platform admin may do with tenants. Every active platform admin
 * manages tenants today; finer platform roles would be checked here.
 */
export default class PlatformTenantPolicy extends BasePolicy {
  manage(admin: PlatformAdmin) {
    return admin.status === 'active'
  }
}
