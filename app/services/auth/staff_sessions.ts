import type { HttpContext } from '@adonisjs/core/http'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { Secret } from '@adonisjs/core/helpers'
import db from '@adonisjs/lucid/services/db'
import Staff from '#models/staff'

/** The session key holding the id the session was last tagged under. */
const TAGGED_AS = 'staffSessionTag'

/** How a staff member's sessions are tagged in the sessions table (its user_id column). */
export function sessionTagOf(staffId: number) {
  return `staff:${staffId}`
}

/** A session (and the remember-me token behind it) to spare: the actor's own. */
export interface KeptSession {
  sessionId: string
  rememberTokenId: string | null
}

/**
 * Staff sessions are rows of the sessions table (SESSION_DRIVER=database);
 * each is tagged with its staff member at login, so that when trust ends
 * (password changed or reset, account disabled, a role taken away, tenant
 * suspended) every session and remember-me token of theirs is deleted at
 * once, not at the next request of a cookie that still exists.
 */
export default class StaffSessions {
  /** Tags the session of a request as the signed-in staff member's. */
  async tag(ctx: HttpContext, staffId: number) {
    await ctx.session.tag(sessionTagOf(staffId))
    ctx.session.put(TAGGED_AS, ctx.session.sessionId)
  }

  /**
   * Whether a signed-in request's session still stands. A session not
   * tagged under its current id yet is tagged now: one signed in again
   * through a remember-me cookie gets a new id, and sessions opened before
   * tagging existed join at their next request. A tagged session whose row
   * lost its tag was ended while one of its requests was in flight (that
   * request's commit wrote the row back): it does not stand.
   */
  async stands(ctx: HttpContext, staffId: number) {
    if (ctx.session.get(TAGGED_AS) !== ctx.session.sessionId) {
      await this.tag(ctx, staffId)
      return true
    }
    const row = await db
      .from('sessions')
      .where('id', ctx.session.sessionId)
      .select('user_id')
      .first()
    return row?.user_id === sessionTagOf(staffId)
  }

  /** The request's own session and remember-me token, to keep when ending the others. */
  async current(ctx: HttpContext): Promise<KeptSession> {
    const guard = ctx.auth.use('web')
    const cookie = ctx.request.encryptedCookie(guard.rememberMeKeyName)
    const token =
      typeof cookie === 'string' ? await Staff.rememberMeTokens.verify(new Secret(cookie)) : null
    return {
      sessionId: ctx.session.sessionId,
      rememberTokenId: token ? String(token.identifier) : null,
    }
  }

  /** Ends every session and remember-me token of `staffIds`, except `keep`. */
  async endAll(staffIds: number[], client: QueryClientContract, keep?: KeptSession) {
    if (!staffIds.length) return
    await client
      .from('sessions')
      .whereIn('user_id', staffIds.map(sessionTagOf))
      .if(keep, (query) => query.whereNot('id', keep!.sessionId))
      .delete()
    await client
      .from('remember_me_tokens')
      .whereIn('tokenable_id', staffIds)
      .if(keep?.rememberTokenId, (query) => query.whereNot('id', keep!.rememberTokenId!))
      .delete()
  }

  /** Ends every session and remember-me token of a tenant's staff (the tenant is suspended). */
  async endTenant(tenantId: number, client: QueryClientContract) {
    const staff = client.from('staff').where('tenant_id', tenantId)
    await client
      .from('sessions')
      .whereIn('user_id', staff.clone().select(client.raw(`'staff:' || id`)))
      .delete()
    await client
      .from('remember_me_tokens')
      .whereIn('tokenable_id', staff.clone().select('id'))
      .delete()
  }
}
