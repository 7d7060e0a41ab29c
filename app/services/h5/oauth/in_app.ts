import type { HttpContext } from '@adonisjs/core/http'
import { urlFor } from '@adonisjs/core/services/url_builder'
import type { RiderIdentityProvider } from '#models/rider_identity'
import TenantContext from '#core/tenancy/tenant_context'
import type { H5OauthState, H5Payer, H5Place, H5Rider } from '#services/h5/h5_types'
import RiderOauthSignIn, { guestName } from '#services/h5/oauth/rider_oauth_sign_in'

/** Flashed when a sign-in through the app failed, so the port page offers SMS instead of looping. */
export const OAUTH_FAILED_FLASH = 'h5OauthFailed'

/** The app the page is open in, by its User-Agent: WeChat's and Alipay's in-app browsers say so. */
export function inAppProvider(userAgent: string | undefined): RiderIdentityProvider | null {
  if (!userAgent) return null
  if (userAgent.includes('MicroMessenger')) return 'wechat'
  if (userAgent.includes('AlipayClient')) return 'alipay'
  return null
}

const signIn = new RiderOauthSignIn()

/**
 * Where a signed-out rider opening a port inside WeChat or Alipay goes to
 * sign in: the tenant's app, when it has one set up and the last attempt
 * did not just fail; null for SMS as elsewhere.
 */
export async function inAppSignInUrl(ctx: HttpContext, place: H5Place, pileCode: string) {
  const provider = inAppProvider(ctx.request.header('user-agent'))
  if (!provider || ctx.session.flashMessages.has(OAUTH_FAILED_FLASH)) return null
  if (!(await signIn.appFor(place.tenantId, provider))) return null
  return urlFor('h5.oauth.redirect', { pileCode, portNo: place.portNo, provider })
}

/** For the port page: how the rider signed in through an app, and whether still a 游客. */
export async function oauthState(
  rider: H5Rider,
  payer: H5Payer | null
): Promise<H5OauthState | null> {
  if (!payer) return null
  const tenant = TenantContext.forJob(rider.tenantId)
  const row = await tenant.run((trx) =>
    trx
      .from('riders')
      .where({ tenant_id: rider.tenantId, id: rider.riderId })
      .select('name', 'phone', 'guest_no')
      .first()
  )
  const unnamed = Boolean(row && row.guest_no !== null && row.name === guestName(row.guest_no))
  return { provider: payer.provider, guest: Boolean(row && row.phone === null), unnamed }
}
