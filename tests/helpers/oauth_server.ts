import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Events, OAuth2Server, type MutableRedirectUri } from 'oauth2-mock-server'
import { ssoEndpoints } from '#config/ally'

/*
| Local stand-ins for DingTalk and WeCom, built on oauth2-mock-server (a
| real OAuth2/OIDC server on a local port, issuing JWTs signed with a real
| key). Where the vendors leave plain OAuth2, its hooks and extra routes
| answer in the vendors' own JSON shapes, taken from their API docs:
|
| DingTalk (open.dingtalk.com, "new" OAuth2):
|   GET  /oauth2/auth: the server's own authorize endpoint; a hook renames
|        `code` to `authCode` on the way back, as DingTalk names it.
|   POST /v1.0/oauth2/userAccessToken: camelCase JSON
|        {clientId, clientSecret, code, grantType} -> {accessToken, expireIn,
|        refreshToken}; a bad secret -> HTTP 400 {code, message}.
|   GET  /v1.0/contact/users/me: header x-acs-dingtalk-access-token ->
|        {unionId, openId, nick, ...}; a bad token -> HTTP 401 {code, message}.
|
| WeCom (developer.work.weixin.qq.com), every answer HTTP 200 with errcode:
|   GET /wwlogin/sso/login: WeCom's own login page has no response_type nor
|       client_id (appid + agentid + login_type=CorpApp instead), which the
|       server's authorize endpoint insists on, so an extra route plays it.
|   GET /cgi-bin/gettoken?corpid&corpsecret -> {errcode: 0, access_token,
|       expires_in}; a bad secret -> {errcode: 40001}.
|   GET /cgi-bin/auth/getuserinfo?access_token&code -> {errcode: 0, userid};
|       an unknown or reused code -> {errcode: 40029}.
|
| Codes are single-use and tied to the person who "scanned the QR code"
| (`signInAs`); access tokens are the server's signed JWTs.
*/

export interface VendorApp {
  clientId: string
  clientSecret: string
  agentId?: string
}

export abstract class FakeVendor {
  protected server = new OAuth2Server(undefined, undefined, {
    endpoints: { authorize: this.authorizePath() },
  })
  /** Who the next visit to the login page signs in as. */
  protected person: string | null = null
  protected codes = new Map<string, string>()
  protected tokens = new Map<string, string | true>()
  /** Calls to the vendor API (token and profile), to prove none happened. */
  apiCalls = 0

  constructor(readonly app: VendorApp) {}

  protected abstract authorizePath(): string
  protected abstract register(): void
  abstract endpoints(): { authorizeUrl: string; accessTokenUrl: string; userInfoUrl: string }

  signInAs(externalId: string) {
    this.person = externalId
  }

  get url() {
    return this.server.issuer.url!
  }

  async start() {
    await this.server.issuer.keys.generate('RS256')
    this.register()
    await this.server.start(0, '127.0.0.1')
  }

  async stop() {
    await this.server.stop()
  }

  protected issueCode() {
    if (!this.person) throw new Error('Nobody is signing in: call signInAs() first')
    const code = randomUUID()
    this.codes.set(code, this.person)
    return code
  }

  /** A code's person, once. */
  protected redeem(code: unknown) {
    const person = typeof code === 'string' ? this.codes.get(code) : undefined
    if (person) this.codes.delete(code as string)
    return person
  }

  protected async mintToken(subject: string | true) {
    const token = await this.server.issuer.buildToken()
    this.tokens.set(token, subject)
    return token
  }

  protected send(res: ServerResponse, status: number, body: unknown) {
    res.statusCode = status
    res.setHeader('content-type', 'application/json; charset=utf-8')
    res.end(JSON.stringify(body))
  }
}

export class FakeDingTalk extends FakeVendor {
  protected authorizePath() {
    return '/oauth2/auth'
  }

  endpoints() {
    return {
      authorizeUrl: `${this.url}/oauth2/auth`,
      accessTokenUrl: `${this.url}/v1.0/oauth2/userAccessToken`,
      userInfoUrl: `${this.url}/v1.0/contact/users/me`,
    }
  }

  protected register() {
    this.server.service.on(
      Events.BeforeAuthorizeRedirect,
      (redirect: MutableRedirectUri, req: IncomingMessage) => {
        const query = new URL(req.url ?? '/', this.url).searchParams
        if (query.get('client_id') !== this.app.clientId || query.get('scope') !== 'openid') {
          redirect.url.search = new URLSearchParams({ error: 'invalid_client' }).toString()
          return
        }
        redirect.url.searchParams.delete('code')
        redirect.url.searchParams.set('authCode', this.issueCode())
      }
    )

    this.server.service.addRoute('POST', '/v1.0/oauth2/userAccessToken', async (req, res) => {
      this.apiCalls += 1
      const body = (req.body ?? {}) as Record<string, unknown>
      if (body.clientId !== this.app.clientId || body.clientSecret !== this.app.clientSecret) {
        return this.send(res, 400, { code: 'invalidClientSecret', message: '无效的clientSecret' })
      }
      const person = body.grantType === 'authorization_code' ? this.redeem(body.code) : undefined
      if (!person)
        return this.send(res, 400, { code: 'invalidAuthCode', message: '无效的authCode' })
      this.send(res, 200, {
        accessToken: await this.mintToken(person),
        expireIn: 7200,
        refreshToken: randomUUID(),
      })
    })

    this.server.service.addRoute('GET', '/v1.0/contact/users/me', (req, res) => {
      this.apiCalls += 1
      const token = req.headers['x-acs-dingtalk-access-token']
      const unionId = typeof token === 'string' ? this.tokens.get(token) : undefined
      if (typeof unionId !== 'string') {
        return this.send(res, 401, {
          code: 'InvalidAuthentication',
          message: '不合法的access_token',
        })
      }
      this.send(res, 200, {
        nick: `钉钉用户${unionId.slice(-4)}`,
        unionId,
        openId: `open_${unionId}`,
        avatarUrl: '',
        stateCode: '86',
      })
    })
  }
}

export class FakeWeCom extends FakeVendor {
  protected authorizePath() {
    // Out of the way: WeCom's login page is the extra route below.
    return '/oauth2/authorize'
  }

  endpoints() {
    return {
      authorizeUrl: `${this.url}/wwlogin/sso/login`,
      accessTokenUrl: `${this.url}/cgi-bin/gettoken`,
      userInfoUrl: `${this.url}/cgi-bin/auth/getuserinfo`,
    }
  }

  protected register() {
    this.server.service.addRoute('GET', '/wwlogin/sso/login', (req, res) => {
      const { login_type: loginType, appid, agentid, redirect_uri: redirectUri, state } = req.query
      if (typeof redirectUri !== 'string') return this.send(res, 400, { errmsg: 'redirect_uri' })
      const back = new URL(redirectUri)
      if (loginType !== 'CorpApp' || appid !== this.app.clientId || agentid !== this.app.agentId) {
        return this.send(res, 400, { errcode: 40013, errmsg: 'invalid corpid or agentid' })
      }
      back.searchParams.set('code', this.issueCode())
      if (typeof state === 'string') back.searchParams.set('state', state)
      res.statusCode = 302
      res.setHeader('location', back.href)
      res.end()
    })

    this.server.service.addRoute('GET', '/cgi-bin/gettoken', async (req, res) => {
      this.apiCalls += 1
      if (
        req.query.corpid !== this.app.clientId ||
        req.query.corpsecret !== this.app.clientSecret
      ) {
        return this.send(res, 200, { errcode: 40001, errmsg: 'invalid credential' })
      }
      this.send(res, 200, {
        errcode: 0,
        errmsg: 'ok',
        access_token: await this.mintToken(true),
        expires_in: 7200,
      })
    })

    this.server.service.addRoute('GET', '/cgi-bin/auth/getuserinfo', (req, res) => {
      this.apiCalls += 1
      const token = req.query.access_token
      if (typeof token !== 'string' || !this.tokens.has(token)) {
        return this.send(res, 200, { errcode: 40014, errmsg: 'invalid access_token' })
      }
      const userid = this.redeem(req.query.code)
      if (!userid) return this.send(res, 200, { errcode: 40029, errmsg: 'invalid code' })
      this.send(res, 200, { errcode: 0, errmsg: 'ok', userid, user_ticket: randomUUID() })
    })
  }
}

/** Points the app's driver for `provider` at a fake; returns the undo. */
export function useFakeVendor(provider: 'dingtalk' | 'wecom', fake: FakeVendor) {
  const before = ssoEndpoints[provider]
  ssoEndpoints[provider] = fake.endpoints()
  return () => {
    ssoEndpoints[provider] = before
  }
}

/**
 * Plays the browser on the vendor's side: opens the login page the app
 * redirected to and returns where the vendor sends the browser back.
 */
export async function visitVendor(authorizeUrl: string) {
  const response = await fetch(authorizeUrl, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (response.status !== 302 || !location) {
    throw new Error(`The vendor login page answered ${response.status}: ${await response.text()}`)
  }
  const back = new URL(location)
  return `${back.pathname}${back.search}`
}
