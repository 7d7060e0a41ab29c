import { SessionLucidUserProvider } from '@adonisjs/auth/session'
import PlatformAdmin from '#models/platform_admin'

/**
 * Restores the signed-in platform admin of a session, through the owner
 * connection (the app role cannot read platform_admins). A disabled admin's
 * session stops working at its next request.
 */
export default class PlatformAdminUserProvider extends SessionLucidUserProvider<
  typeof PlatformAdmin
> {
  constructor() {
    super({ model: () => import('#models/platform_admin') })
  }

  async findById(identifier: string | number | bigint) {
    const admin = await PlatformAdmin.query({ connection: 'owner' })
      .where('id', String(identifier))
      .where('status', 'active')
      .first()
    return admin ? this.createUserForGuard(admin) : null
  }
}
