import { SessionLucidUserProvider } from '@adonisjs/auth/session'
import Staff from '#models/staff'

/**
 * Restores the signed-in staff member of a session. That happens before any
 * tenant is known, so the lookup by id reads through the owner connection;
 * everything after it runs in the staff member's tenant context.
 */
export default class StaffUserProvider extends SessionLucidUserProvider<typeof Staff> {
  constructor() {
    super({ model: () => import('#models/staff') })
  }

  async findById(identifier: string | number | bigint) {
    const staff = await Staff.query({ connection: 'owner' }).where('id', String(identifier)).first()
    return staff ? this.createUserForGuard(staff) : null
  }
}
