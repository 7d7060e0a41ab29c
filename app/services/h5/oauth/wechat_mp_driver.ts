import type { Oauth2AccessToken, RedirectRequestContract } from '@adonisjs/ally/types'
import { allyUser } from '#services/auth/tenant_oauth2_driver'
import { RiderOauth2Driver, type RiderDriverConfig } from '#services/h5/oauth/rider_oauth2_driver'
import { allowedEndpoint, PROVIDER_TIMEOUT_MS } from '#services/h5/oauth/endpoints'
import { RiderOauthProviderError, type ProvenAccount } from '#services/h5/oauth/provider_error'

export type WechatScope = 'snsapi_base' | 'snsapi_userinfo'

export type WechatMpDriverConfig = RiderDriverConfig<'wechat'>

type WechatToken = Oauth2AccessToken & { openid: string; unionid: string | null; scope: string }

/**
 * WeChat official-account web authorisation (网页授权), as Ally drivers do
 * for staff SSO. The rider's session keeps the state (see oauth_state.ts),
 * so the driver is stateless to Ally. WeChat insists on its parameter order
 * and on `#wechat_redirect`; every API answer is HTTP 200 with errcode on
 * failure. The openid is per official account; unionid only comes when the
 * account is bound to an open platform.
 */
export class WechatMpDriver extends RiderOauth2Driver<
  WechatToken,
  WechatScope,
  WechatMpDriverConfig
> {
  protected codeParamName = 'code'
  protected stateCookieName = 'h5_wechat_state'

  async redirectUrl(callback?: (request: RedirectRequestContract<WechatScope>) => void) {
    const request = this.urlBuilder(allowedEndpoint(this.config.endpoints.authorizeUrl))
    request.param('appid', this.config.clientId)
    request.param('redirect_uri', this.config.callbackUrl)
    request.param('response_type', 'code')
    // The caller sets the scope, then the state: WeChat wants them in that order, and once.
    callback?.(request)
    return `${request.makeUrl()}#wechat_redirect`
  }

  /** Trades the code for the openid (and a token for userinfo). */
  async accessToken(): Promise<WechatToken> {
    const body = await this.#get(this.config.endpoints.accessTokenUrl, {
      appid: this.config.clientId,
      secret: this.config.clientSecret,
      code: String(this.getCode()),
      grant_type: 'authorization_code',
    })
    if (typeof body.openid !== 'string' || typeof body.access_token !== 'string') {
      throw new RiderOauthProviderError('wechat', 'malformed', 'no openid in the token answer')
    }
    return {
      token: body.access_token,
      type: 'bearer',
      expiresIn: Number(body.expires_in),
      openid: body.openid,
      unionid: typeof body.unionid === 'string' && body.unionid ? body.unionid : null,
      scope: String(body.scope ?? ''),
    }
  }

  async user() {
    const token = await this.accessToken()
    let nickname: string | null = null
    if (token.scope.split(',').includes('snsapi_userinfo')) {
      const info = await this.#get(this.config.endpoints.userInfoUrl, {
        access_token: token.token,
        openid: token.openid,
        lang: 'zh_CN',
      })
      nickname = typeof info.nickname === 'string' && info.nickname.trim() ? info.nickname : null
    }
    const original: ProvenAccount = { unionId: token.unionid, nickname }
    return allyUser(token.openid, token, original, { name: nickname })
  }

  async userFromToken(): Promise<never> {
    throw new Error('WeChat needs the openid with the token: use user()')
  }

  async #get(url: string, query: Record<string, string>) {
    const target = new URL(allowedEndpoint(url))
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value)
    let body: Record<string, unknown>
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) })
      body = (await response.json()) as Record<string, unknown>
    } catch (error) {
      throw new RiderOauthProviderError('wechat', 'unreachable', (error as Error).message)
    }
    if (!body || typeof body !== 'object') {
      throw new RiderOauthProviderError('wechat', 'malformed', 'not a JSON object')
    }
    if (body.errcode !== undefined && body.errcode !== 0) {
      throw new RiderOauthProviderError('wechat', String(body.errcode), String(body.errmsg ?? ''))
    }
    return body
  }
}
