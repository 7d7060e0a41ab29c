import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Session } from '@adonisjs/session'
import type { RiderIdentityProvider } from '#models/rider_identity'

/*
| OAuth's CSRF guard for the rider H5: a random `state` kept in the rider's
| own session, good for one callback within ten minutes. It also names the
| tenant's app and the port to go back to, so the callback URL needs no
| tenant or port of its own and no query value is trusted for them.
*/
const KEY = 'h5OauthState'
export const OAUTH_STATE_TTL_MS = 10 * 60_000

export type OauthScope = 'base' | 'userinfo'

export type OauthAttempt = {
  provider: RiderIdentityProvider
  tenantId: number
  pileCode: string
  portNo: number
  scope: OauthScope
}

type Stored = OauthAttempt & { state: string; expiresAt: number }

/** Starts an attempt (replacing any earlier one) and returns its state. */
export function issueOauthState(session: Session, attempt: OauthAttempt) {
  const state = randomBytes(24).toString('base64url')
  session.put(KEY, { ...attempt, state, expiresAt: Date.now() + OAUTH_STATE_TTL_MS } as Stored)
  return state
}

/** The attempt `state` belongs to, spent by this call; null if unknown, spent, expired or another provider's. */
export function takeOauthState(
  session: Session,
  state: string,
  provider: RiderIdentityProvider
): OauthAttempt | null {
  const stored = session.get(KEY) as Stored | undefined
  session.forget(KEY)
  if (!stored || typeof stored.state !== 'string') return null
  const given = Buffer.from(state)
  const expected = Buffer.from(stored.state)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  if (stored.provider !== provider || !(stored.expiresAt > Date.now())) return null
  const { tenantId, pileCode, portNo, scope } = stored
  return { provider, tenantId, pileCode, portNo, scope }
}
