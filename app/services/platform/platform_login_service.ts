import { inject } from '@adonisjs/core'
import { errors as authErrors } from '@adonisjs/auth'
import PlatformAdmin from '#models/platform_admin'
import LoginService, { LoginFailure, type LoginAttempt } from '#services/auth/login_service'

/**
 * The platform console's login: the same captcha and attempt limit as the
 * staff login (counted apart), checked against platform admins only.
 */
@inject()
export default class PlatformLoginService {
  constructor(protected logins: LoginService) {}

  async attempt(attempt: LoginAttempt): Promise<PlatformAdmin> {
    return this.logins.guarded('platform_login', attempt, async () => {
      let admin: PlatformAdmin
      try {
        // Hashes even for an unknown account, so timing does not tell accounts apart.
        admin = await PlatformAdmin.verifyCredentials(attempt.account, attempt.password)
      } catch (error) {
        if (error instanceof authErrors.E_INVALID_CREDENTIALS) {
          throw new LoginFailure('invalidCredentials')
        }
        throw error
      }
      // A disabled admin reads like a wrong password: no hint that the account exists.
      if (admin.status !== 'active') throw new LoginFailure('invalidCredentials')
      return admin
    })
  }
}
