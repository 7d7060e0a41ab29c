import type { ApiRequest } from '@adonisjs/ally'
import type {
  ApiRequestContract,
  Oauth2AccessToken,
  Oauth2DriverConfig,
  RedirectRequestContract,
} from '@adonisjs/ally/types'
import { SsoOauth2Driver } from '#services/auth/sso/sso_oauth2_driver'
import { allyUser } from '#services/auth/tenant_oauth2_driver'

export interface DingTalkDriverConfig extends Oauth2DriverConfig {
  /** GET https://api.dingtalk.com/v1.0/contact/users/me unless set. */
  userInfoUrl?: string
}

export type DingTalkToken = Oauth2AccessToken & { corpId?: string }

/** What /v1.0/contact/users/me answers (the fields we read). */
interface DingTalkUser {
  unionId: string
  openId?: string
  nick?: string
  avatarUrl?: string
  mobile?: string
  email?: string
}

/**
 * DingTalk (钉钉) sign-in with the "new" OAuth2 of open.dingtalk.com. It
 * follows OAuth2 for the browser leg but not for the API calls: the
 * callback carries `authCode`, the token endpoint takes camelCase JSON and
 * answers `{ accessToken, expireIn, refreshToken }`, and the profile API
 * wants the token in the `x-acs-dingtalk-access-token` header.
 *
 * The external id is the unionId: stable for a person across the apps of
 * one DingTalk organisation.
 */
export type DingTalkScopes = 'openid' | 'corpid'

export class DingTalkDriver extends SsoOauth2Driver<
  DingTalkToken,
  DingTalkScopes,
  DingTalkDriverConfig
> {
  protected authorizeUrl = 'https://login.dingtalk.com/oauth2/auth'
  protected accessTokenUrl = 'https://api.dingtalk.com/v1.0/oauth2/userAccessToken'
  protected userInfoUrl = 'https://api.dingtalk.com/v1.0/contact/users/me'

  protected codeParamName = 'authCode'
  protected get stateCookieName() {
    return 'dingtalk_oauth_state'
  }

  protected configureRedirectRequest(request: RedirectRequestContract<DingTalkScopes>) {
    request.scopes(['openid'])
    request.param('response_type', 'code')
    // Always show the consent screen, so a shared PC does not sign in silently.
    request.param('prompt', 'consent')
  }

  protected configureAccessTokenRequest(request: ApiRequestContract) {
    for (const field of ['grant_type', 'redirect_uri', 'client_id', 'client_secret']) {
      request.clearField(field)
    }
    request.sendAs('json')
    request.field('clientId', this.config.clientId)
    request.field('clientSecret', this.config.clientSecret)
    request.field('grantType', 'authorization_code')
  }

  /** Ally reads OAuth2's snake_case names; DingTalk answers in camelCase. */
  protected processClientResponse(_client: ApiRequest, response: Record<string, any>) {
    return {
      access_token: response.accessToken,
      expires_in: response.expireIn,
      refresh_token: response.refreshToken,
      corpId: response.corpId,
    }
  }

  async accessToken(callback?: (request: ApiRequestContract) => void) {
    return super.accessToken((request) => {
      // The callback names the code `authCode`; the token request calls it `code`.
      request.clearField(this.codeParamName)
      request.field('code', this.getCode())
      callback?.(request)
    })
  }

  async user(callback?: (request: ApiRequestContract) => void) {
    const token = await this.accessToken(callback)
    return this.#user(token, await this.#profile(token.token, callback))
  }

  async userFromToken(token: string, callback?: (request: ApiRequestContract) => void) {
    return this.#user({ token, type: 'bearer' as const }, await this.#profile(token, callback))
  }

  async #profile(
    token: string,
    callback?: (request: ApiRequestContract) => void
  ): Promise<DingTalkUser> {
    const request = this.httpClient(this.config.userInfoUrl ?? this.userInfoUrl)
    request.header('x-acs-dingtalk-access-token', token)
    request.parseAs('json')
    callback?.(request)
    return request.get()
  }

  #user<Token>(token: Token, body: DingTalkUser) {
    const profile = { name: body.nick, email: body.email, avatarUrl: body.avatarUrl }
    return allyUser(body.unionId, token, body, profile)
  }
}
