import limiter from '@adonisjs/limiter/services/main'
import type { Session } from '@adonisjs/session'
import CaptchaService from '#services/auth/captcha_service'
import H5Refusal from '#services/h5/h5_refusal'

/*
| Rider sign-in at a pile's H5 page is open to anyone, so its two costly
| steps are bounded (counted by @adonisjs/limiter, like staff logins):
| - sending a code (an SMS paid for, a phone disturbed): per IP, per pile
|   and per phone, with an image captcha from the third send of an IP;
| - guessing a code: wrong codes per phone and per IP.
| The per-code limits (60 s between sends, 10 a day, 5 tries a code) stay
| in VerificationCodeService. No refusal says whether a phone has an account.
*/
const HOUR = { duration: '1 hour', blockDuration: '1 hour' }

export const SEND_LIMITS = {
  perIp: { requests: 10, ...HOUR },
  perPile: { requests: 30, ...HOUR },
  perPhone: { requests: 5, ...HOUR },
  /** The send of an IP (within the hour) from which a captcha is asked. */
  captchaFromSend: 3,
}

export const WRONG_CODE_LIMITS = {
  perPhone: { requests: 10, ...HOUR },
  perIp: { requests: 30, ...HOUR },
}

type Counter = {
  limits: { requests: number; duration: string; blockDuration: string }
  key: string
}

export type SendAttempt = {
  ip: string
  pileId: number
  phone: string
  session: Session
  captcha?: string | null
}

export type CodeAttempt = { ip: string; tenantId: number; phone: string }

export default class RiderSignInGuard {
  constructor(protected captchas = new CaptchaService()) {}

  /** Whether the next send from `ip` needs a captcha (the page shows one in advance). */
  async captchaRequired(ip: string) {
    const state = await limiter.use(SEND_LIMITS.perIp).get(this.#sendIpKey(ip))
    return (state?.consumed ?? 0) >= SEND_LIMITS.captchaFromSend - 1
  }

  /** Counts a send, or refuses it (over a limit, captcha missing or wrong) counting nothing. */
  async admitSend(attempt: SendAttempt) {
    const counters: Counter[] = [
      { limits: SEND_LIMITS.perIp, key: this.#sendIpKey(attempt.ip) },
      { limits: SEND_LIMITS.perPile, key: `h5_send_pile_${attempt.pileId}` },
      { limits: SEND_LIMITS.perPhone, key: `h5_send_phone_${attempt.phone}` },
    ]
    await this.#refuseIfSpent(counters, 'sendLimited')
    if (await this.captchaRequired(attempt.ip)) {
      if (!attempt.captcha) throw new H5Refusal('captchaRequired')
      if (this.captchas.check(attempt.session, attempt.captcha) !== 'ok') {
        throw new H5Refusal('captchaInvalid')
      }
    }
    for (const { limits, key } of counters) {
      const state = await limiter.use(limits).increment(key)
      // Two sends at once may both pass the check above: the later one is refused here.
      if (state.consumed > state.limit) throw new H5Refusal('sendLimited')
    }
  }

  /** Refuses a sign-in while the phone or the IP has had too many wrong codes. */
  async admitCode(attempt: CodeAttempt) {
    await this.#refuseIfSpent(this.#codeCounters(attempt), 'tooManyWrongCodes')
  }

  /** Counts a refused code against the phone and the IP. */
  async wrongCode(attempt: CodeAttempt) {
    for (const { limits, key } of this.#codeCounters(attempt)) {
      const counter = limiter.use(limits)
      const state = await counter.increment(key)
      if (state.consumed >= state.limit) await counter.block(key, limits.blockDuration)
    }
  }

  async #refuseIfSpent(counters: Counter[], reason: 'sendLimited' | 'tooManyWrongCodes') {
    for (const { limits, key } of counters) {
      const state = await limiter.use(limits).get(key)
      if (state && state.remaining <= 0) throw new H5Refusal(reason)
    }
  }

  #codeCounters({ ip, tenantId, phone }: CodeAttempt): Counter[] {
    return [
      { limits: WRONG_CODE_LIMITS.perPhone, key: `h5_code_phone_${tenantId}_${phone}` },
      { limits: WRONG_CODE_LIMITS.perIp, key: `h5_code_ip_${ip}` },
    ]
  }

  #sendIpKey(ip: string) {
    return `h5_send_ip_${ip}`
  }
}
