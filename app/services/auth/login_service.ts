import { inject } from '@adonisjs/core'
import { Exception } from '@adonisjs/core/exceptions'
import hash from '@adonisjs/core/services/hash'
import limiter from '@adonisjs/limiter/services/main'
import type { Session } from '@adonisjs/session'
import Staff from '#models/staff'
import CaptchaService from '#services/auth/captcha_service'

/*
| Failed logins are counted three ways, each blocking for 15 minutes once
| exhausted: one account from one IP (a mistyping clerk, or a stranger: only
| that pair is locked), one account from anywhere at a ceiling four times
| higher (a guess spread over many IPs), one IP for any account (one machine
| trying many accounts). The refusal names none of them; a super admin can
| lift an account's locks at once (LoginUnlockService).
*/
export const LOGIN_ATTEMPTS = { requests: 5, duration: '15 mins', blockDuration: '15 mins' }
export const ACCOUNT_ATTEMPTS = { requests: 20, duration: '15 mins', blockDuration: '15 mins' }
export const IP_ATTEMPTS = { requests: 50, duration: '15 mins', blockDuration: '15 mins' }

/** The limiter key of one account's failures from one IP. */
export const pairKey = (scope: string, ip: string, account: string) =>
  `${scope}_${ip}_${account.toLowerCase()}`

/** The limiter key of one account's failures from anywhere. */
export const accountKey = (scope: string, account: string) =>
  `${scope}_account_${account.toLowerCase()}`

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
 * standing. Every failure counts (see the limits above); past a limit the
 * caller is refused until the block expires, whatever it sends.
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
    const account = attempt.account.toLowerCase()
    const counters = [
      { limits: LOGIN_ATTEMPTS, key: pairKey(scope, attempt.ip, account) },
      { limits: ACCOUNT_ATTEMPTS, key: accountKey(scope, account) },
      { limits: IP_ATTEMPTS, key: `${scope}_ip_${attempt.ip}` },
    ].map(({ limits, key }) => ({ limiter: limiter.use(limits), key, limits }))

    for (const counter of counters) {
      const state = await counter.limiter.get(counter.key)
      if (state && state.remaining <= 0) {
        throw new LoginFailure('tooManyAttempts', state.availableIn)
      }
    }

    try {
      const captchaCheck = this.captchas.check(attempt.session, attempt.captcha)
      if (captchaCheck === 'expired') throw new LoginFailure('expiredCaptcha')
      if (captchaCheck === 'invalid') throw new LoginFailure('invalidCaptcha')
      const user = await verifyCredentials()
      // A success forgets this account's misses from this IP, not the wider counts.
      await counters[0].limiter.delete(counters[0].key)
      return user
    } catch (error) {
      if (error instanceof LoginFailure) {
        for (const counter of counters) {
          const state = await counter.limiter.increment(counter.key)
          if (state.consumed >= state.limit) {
            await counter.limiter.block(counter.key, counter.limits.blockDuration)
          }
        }
      }
      throw error
    }
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
    // A hash made under older parameters is brought up to today's (the model hashes on save).
    if (hash.needsReHash(staff.password)) {
      staff.password = password
      await staff.save()
    }

    await staff.load('tenant')
    if (staff.tenant.status !== 'active') throw new LoginFailure('tenantSuspended')
    return staff
  }
}
