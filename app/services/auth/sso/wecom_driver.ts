import { errors } from '@adonisjs/ally'
import type {
  ApiRequestContract,
  Oauth2AccessToken,
  Oauth2DriverConfig,
  RedirectRequestContract,
} from '@adonisjs/ally/types'
import { SsoOauth2Driver } from '#services/auth/sso/sso_oauth2_driver'
import { allyUser } from '#services/auth/tenant_oauth2_driver'

export interface WeComDriverConfig extends Oauth2DriverConfig {
  /** The AgentId of the tenant's self-built app (clientId is the CorpID). */
  agentId: string
  /** GET https://qyapi.weixin.qq.com/cgi-bin/auth/getuserinfo unless set. */
  userInfoUrl?: string
}

/** A WeCom API answer: HTTP 200 always, errcode 0 on success. */
interface WeComAnswer {
  errcode: number
  errmsg: string
  [field: string]: unknown
}

/** WeCom refused a call: its errcode and errmsg. */
class WeComApiError extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string
  ) {
    super(`WeCom error ${errcode}: ${errmsg}`)
  }
}

/**
 * WeCom (企业微信) web sign-in for a corp's self-built app. Only the
 * browser leg looks like OAuth2: the login page takes `appid` (the CorpID)
 * and `agentid`, and sends the browser back with `code` and `state`. The
 * access token is the app's own (`gettoken` with the corp secret), and the
 * code is then traded for the member's userid with `auth/getuserinfo`.
 *
 * The external id is the userid: unique within the corp.
 */
export class WeComDriver extends SsoOauth2Driver<Oauth2AccessToken, never, WeComDriverConfig> {
  protected authorizeUrl = 'https://login.work.weixin.qq.com/wwlogin/sso/login'
  protected accessTokenUrl = 'https://qyapi.weixin.qq.com/cgi-bin/gettoken'
  protected userInfoUrl = 'https://qyapi.weixin.qq.com/cgi-bin/auth/getuserinfo'

  protected codeParamName = 'code'
  protected get stateCookieName() {
    return 'wecom_oauth_state'
  }

  protected configureRedirectRequest(request: RedirectRequestContract<never>) {
    request.clearParam('client_id')
    request.param('login_type', 'CorpApp')
    request.param('appid', this.config.clientId)
    request.param('agentid', this.config.agentId)
  }

  /** The app's access token; the state and the code are checked first, as Ally does. */
  async accessToken(callback?: (request: ApiRequestContract) => void) {
    if (this.hasError()) throw new errors.E_OAUTH_MISSING_CODE([this.codeParamName])
    if (this.stateMisMatch()) throw new errors.E_OAUTH_STATE_MISMATCH()

    const request = this.httpClient(this.config.accessTokenUrl ?? this.accessTokenUrl)
    request.param('corpid', this.config.clientId)
    request.param('corpsecret', this.config.clientSecret)
    request.parseAs('json')
    callback?.(request)
    const body = this.#checked(await request.get())
    return {
      token: String(body.access_token),
      type: 'bearer',
      expiresIn: Number(body.expires_in),
    }
  }

  async user(callback?: (request: ApiRequestContract) => void) {
    const token = await this.accessToken(callback)
    const request = this.httpClient(this.config.userInfoUrl ?? this.userInfoUrl)
    request.param('access_token', token.token)
    request.param('code', this.getCode())
    request.parseAs('json')
    callback?.(request)
    const body = this.#checked(await request.get())
    // Someone outside the corp gets an openid and no userid: nothing to link.
    if (typeof body.userid !== 'string' || body.userid === '') {
      throw new WeComApiError(body.errcode, 'not a member of the corp')
    }
    return allyUser(body.userid, token, body, { name: body.userid })
  }

  /** WeCom ties a user to a one-time code, not to a token. */
  async userFromToken(): Promise<never> {
    throw new Error('WeCom identifies a member by the sign-in code, not by a token')
  }

  #checked(body: WeComAnswer) {
    if (body.errcode !== 0) throw new WeComApiError(body.errcode, body.errmsg)
    return body
  }
}
