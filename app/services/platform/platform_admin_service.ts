import db from '@adonisjs/lucid/services/db'
import PlatformAdmin from '#models/platform_admin'

/** `node ace platform:admin`'s arguments, the password already checked against the policy. */
export interface PlatformAdminInput {
  account: string
  name: string
  password: string
}

/** Platform admins are issued from the command line; there is no sign-up. */
export default class PlatformAdminService {
  /** Creates the admin, or resets the name and password of an existing one and re-enables it. */
  async createOrReset(input: PlatformAdminInput) {
    return db.connection('owner').transaction(async (trx) => {
      const existing = await PlatformAdmin.query({ client: trx })
        .where('account', input.account)
        .forUpdate()
        .first()
      const admin = existing ?? new PlatformAdmin()
      admin.useTransaction(trx)
      admin.merge({ ...input, status: 'active' })
      await admin.save()
      return { admin, created: !existing }
    })
  }
}
