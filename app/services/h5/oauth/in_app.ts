import type { HttpContext } from '@adonisjs/core/http'
import { urlFor } from '@adonisjs/core/services/url_builder'
import type { RiderIdentityProvider } from '#models/rider_identity'
import type { H5Place } from '#services/h5/h5_types'
import RiderOauthSignIn from '#services/h5/oauth/rider_oauth_sign_in'

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
