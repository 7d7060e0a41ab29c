import { inject } from '@adonisjs/core'
import { Exception } from '@adonisjs/core/exceptions'
import hash from '@adonisjs/core/services/hash'
import limiter from '@adonisjs/limiter/services/main'
import type { Session } from '@adonisjs/session'
import Staff from '#models/staff'
import CaptchaService from '#services/auth/captcha_service'

export const LOGIN_ATTEMPTS = { requests: 5, duration: '15 mins', blockDuration: '15 mins' }

export type LoginFailureReason =
  'invalidCaptcha' | 'expiredCaptcha' | 'invalidCredentials' | 'tenantSuspended' | 'tooManyAttempts'

/** A refused login; `reason` is an i18n key under `auth.` */
export class LoginFailure extends Exception {
  constructor(
    public reason: LoginFailureReason,
    public retryAfterSeconds = 0
  ) {
    super(reason, { status: reason === 'tooManyAttempts' ? 429 : 400 })
  }
}

export interface LoginAttempt {
  session: Session
  ip: string
  account: string
  password: string
  captcha: string
}

/**
 * Checks a login: the captcha first, then the credentials and the account's
 * standing. Every failure counts against the IP and account; past the limit
 * the caller is refused until the block expires, whatever it sends.
 */
@inject()
export default class LoginService {
  constructor(protected captchas: CaptchaService) {}

  /** A tenant staff member's login (the /login form). */
  async attempt(attempt: LoginAttempt): Promise<Staff> {
    return this.guarded('login', attempt, () => this.#verifyStaff(attempt))
  }

  /**
   * The captcha and the attempt limit around any login form's credentials
   * check; `scope` keeps each form's attempt counts apart.
   */
  async guarded<User>(
    scope: string,
    attempt: LoginAttempt,
    verifyCredentials: () => Promise<User>
  ): Promise<User> {
    const attempts = limiter.use(LOGIN_ATTEMPTS)
    const key = `${scope}_${attempt.ip}_${attempt.account.toLowerCase()}`

    const [throttled, user] = await attempts.penalize(key, async () => {
      const captchaCheck = this.captchas.check(attempt.session, attempt.captcha)
      if (captchaCheck === 'expired') throw new LoginFailure('expiredCaptcha')
      if (captchaCheck === 'invalid') throw new LoginFailure('invalidCaptcha')
      return verifyCredentials()
    })
    if (throttled) {
      throw new LoginFailure('tooManyAttempts', throttled.response.availableIn)
    }
    return user
  }

  async #verifyStaff({ account, password }: LoginAttempt) {
    // No tenant is known yet: this one lookup reads through the owner connection.
    const staff = await Staff.query({ connection: 'owner' }).where('account', account).first()
    if (!staff) {
      // Spend the same time as a real check, so timing does not tell accounts apart.
      await hash.make(password)
      throw new LoginFailure('invalidCredentials')
    }
    if (!(await hash.verify(staff.password, password))) {
      throw new LoginFailure('invalidCredentials')
    }
    // A disabled account reads like a wrong password: no hint that it exists.
    if (staff.status !== 'active') throw new LoginFailure('invalidCredentials')

    await staff.load('tenant')
    if (staff.tenant.status !== 'active') throw new LoginFailure('tenantSuspended')
    return staff
  }
}
