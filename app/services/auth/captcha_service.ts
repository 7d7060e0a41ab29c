import svgCaptcha from 'svg-captcha'
import type { Session } from '@adonisjs/session'

const SESSION_KEY = 'login_captcha'
export const CAPTCHA_TTL_MS = 5 * 60 * 1000

interface StoredCaptcha {
  answer: string
  expiresAt: number
}

export type CaptchaCheck = 'ok' | 'invalid' | 'expired'

/**
 * Image captchas for the login form. The answer stays in the server-side
 * session and is removed on its first check, so each image answers once.
 */
export default class CaptchaService {
  constructor(protected now: () => number = Date.now) {}

  issue(session: Session) {
    const captcha = svgCaptcha.create({
      size: 4,
      ignoreChars: '0o1ilI',
      noise: 3,
      color: true,
      background: '#f4f6f8',
      width: 120,
      height: 40,
    })
    const stored: StoredCaptcha = {
      answer: captcha.text.toLowerCase(),
      expiresAt: this.now() + CAPTCHA_TTL_MS,
    }
    session.put(SESSION_KEY, stored)
    return captcha.data
  }

  /** The current answer, for the test-only seam. */
  peek(session: Session): string | null {
    return (session.get(SESSION_KEY) as StoredCaptcha | undefined)?.answer ?? null
  }

  check(session: Session, input: string): CaptchaCheck {
    const stored = session.pull(SESSION_KEY) as StoredCaptcha | undefined
    if (!stored) return 'invalid'
    if (stored.expiresAt < this.now()) return 'expired'
    return stored.answer === input.trim().toLowerCase() ? 'ok' : 'invalid'
  }
}
