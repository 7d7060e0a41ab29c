import type { HttpContext } from '@adonisjs/core/http'
import type { ApiRequest } from '@adonisjs/ally'
import type {
  AllyUserContract,
  ApiRequestContract,
  Oauth2AccessToken,
  Oauth2DriverConfig,
  RedirectRequestContract,
} from '@adonisjs/ally/types'
import { SsoOauth2Driver } from '#services/auth/sso/sso_oauth2_driver'

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

export class DingTalkDriver extends SsoOauth2Driver<DingTalkToken, DingTalkScopes> {
  protected authorizeUrl = 'https://login.dingtalk.com/oauth2/auth'
  protected accessTokenUrl = 'https://api.dingtalk.com/v1.0/oauth2/userAccessToken'
  protected userInfoUrl = 'https://api.dingtalk.com/v1.0/contact/users/me'

  protected codeParamName = 'authCode'
  protected stateCookieName = 'dingtalk_oauth_state'

  constructor(
    ctx: HttpContext,
    public config: DingTalkDriverConfig
  ) {
    super(ctx, config)
    this.loadState()
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
    return { ...(await this.#profile(token.token, callback)), token }
  }

  async userFromToken(token: string, callback?: (request: ApiRequestContract) => void) {
    return {
      ...(await this.#profile(token, callback)),
      token: { token, type: 'bearer' as const },
    }
  }

  async #profile(
    token: string,
    callback?: (request: ApiRequestContract) => void
  ): Promise<Omit<AllyUserContract<DingTalkToken>, 'token'>> {
    const request = this.httpClient(this.config.userInfoUrl ?? this.userInfoUrl)
    request.header('x-acs-dingtalk-access-token', token)
    request.parseAs('json')
    callback?.(request)
    const body: DingTalkUser = await request.get()
    return {
      id: body.unionId,
      nickName: body.nick ?? '',
      name: body.nick ?? '',
      email: body.email ?? null,
      emailVerificationState: 'unsupported',
      avatarUrl: body.avatarUrl ?? null,
      original: body,
    }
  }
}
