import {
  createSign,
  createVerify,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { REAL_RIDER_OAUTH_ENDPOINTS, riderOauthEndpoints } from '#services/h5/oauth/endpoints'

/*
| A local stand-in for WeChat's official-account web authorisation and
| Alipay's auth_base sign-in (both unreachable from tests), in their wire
| formats:
|
| WeChat (developers.weixin.qq.com, 网页授权), every API answer HTTP 200:
|   GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state
|       -> 302 redirect_uri?code&state (the person `wechatAs` chose);
|   GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
|       -> {access_token, expires_in, refresh_token, openid, scope, unionid?};
|       a wrong secret {errcode: 40125}, an unknown, used or other app's
|       code {errcode: 40029, errmsg: "invalid code"};
|   GET /sns/userinfo?access_token&openid&lang=zh_CN -> {openid, nickname, ...},
|       only for a snsapi_userinfo token (else {errcode: 48001}).
|
| Alipay (opendocs.alipay.com):
|   GET /oauth2/publicAppAuthorize.htm?app_id&scope=auth_base&redirect_uri&state
|       -> 302 redirect_uri?app_id&source=alipay_wallet&scope&auth_code&state;
|   POST /gateway.do method=alipay.system.oauth.token (grant_type, code):
|       the request's RSA2 signature over the sorted parameters is checked
|       with the app's public key; the answer
|       {"alipay_system_oauth_token_response": {...}, "sign": "..."} is signed
|       with the Alipay private key; a bad code -> error_response
|       {code: "40002", sub_code: "isv.code-invalid"}.
|
| Codes are single-use and expire; keys are generated per start.
*/

type WechatPerson = { openid: string; unionid?: string; nickname?: string }
type WechatCode = { appid: string; person: WechatPerson; scope: string; used: boolean }
type AlipayApp = { appId: string; application: KeyPair; alipay: KeyPair }
type KeyPair = { publicKey: KeyObject; privateKey: KeyObject }

export type RiderOauthFake = {
  url: string
  /** Registers an official account (AppID + AppSecret). */
  addWechatApp(appid: string, secret: string): void
  /** Registers an Alipay app; its keys as a tenant pastes them (bare base64, as Alipay's key tool gives them). */
  addAlipayApp(appId: string): { privateKey: string; alipayPublicKey: string }
  /** Who the next WeChat authorisation signs in as. */
  wechatAs(person: WechatPerson): void
  /** Who the next Alipay authorisation signs in as. */
  alipayAs(userId: string): void
  /** Issues a WeChat code directly, as if `appid`'s page had (for cross-app tests). */
  wechatCode(appid: string, person: WechatPerson): string
  /** Calls to the token and userinfo APIs, to prove none happened. */
  apiCalls: number
  stop(): Promise<void>
}

function readBody(request: IncomingMessage) {
  return new Promise<string>((resolve, reject) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => resolve(body))
    request.on('error', reject)
  })
}

function json(response: ServerResponse, body: unknown) {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}

function redirect(response: ServerResponse, target: string, params: Record<string, string>) {
  const url = new URL(target)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  response.writeHead(302, { location: url.toString() })
  response.end()
}

function rsaPair(): KeyPair {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
}

const bare = (key: KeyObject, type: 'pkcs8' | 'spki') =>
  key
    .export({ type, format: 'pem' } as never)
    .toString()
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '')

/** Starts the fake and points the app's rider sign-in at it. */
export async function startRiderOauthFake(): Promise<RiderOauthFake> {
  const wechatApps = new Map<string, string>()
  const alipayApps = new Map<string, AlipayApp>()
  const wechatCodes = new Map<string, WechatCode>()
  const wechatTokens = new Map<string, { appid: string; person: WechatPerson; scope: string }>()
  const alipayCodes = new Map<string, { appId: string; userId: string; used: boolean }>()
  let wechatPerson: WechatPerson = { openid: `o${randomBytes(12).toString('hex')}` }
  let alipayUser = `2088${Date.now().toString().slice(-12)}`
  const token = () => randomBytes(16).toString('hex')

  const fake: RiderOauthFake = {
    url: '',
    apiCalls: 0,
    addWechatApp: (appid, secret) => void wechatApps.set(appid, secret),
    addAlipayApp(appId) {
      const app = { appId, application: rsaPair(), alipay: rsaPair() }
      alipayApps.set(appId, app)
      return {
        privateKey: bare(app.application.privateKey, 'pkcs8'),
        alipayPublicKey: bare(app.alipay.publicKey, 'spki'),
      }
    },
    wechatAs: (person) => void (wechatPerson = person),
    alipayAs: (userId) => void (alipayUser = userId),
    wechatCode(appid, person) {
      const code = token()
      wechatCodes.set(code, { appid, person, scope: 'snsapi_base', used: false })
      return code
    },
    stop: async () => {
      Object.assign(riderOauthEndpoints, structuredClone(REAL_RIDER_OAUTH_ENDPOINTS))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }

  function wechatAuthorize(query: URLSearchParams, response: ServerResponse) {
    const appid = query.get('appid') ?? ''
    const scope = query.get('scope') ?? ''
    const redirectUri = query.get('redirect_uri')
    if (
      !wechatApps.has(appid) ||
      query.get('response_type') !== 'code' ||
      !['snsapi_base', 'snsapi_userinfo'].includes(scope) ||
      !redirectUri
    ) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      return response.end('<p>参数错误</p>')
    }
    const code = token()
    wechatCodes.set(code, { appid, person: wechatPerson, scope, used: false })
    redirect(response, redirectUri, { code, state: query.get('state') ?? '' })
  }

  function wechatAccessToken(query: URLSearchParams, response: ServerResponse) {
    fake.apiCalls += 1
    const appid = query.get('appid') ?? ''
    if (!wechatApps.has(appid) || wechatApps.get(appid) !== query.get('secret')) {
      return json(response, { errcode: 40125, errmsg: 'invalid appsecret' })
    }
    const code = wechatCodes.get(query.get('code') ?? '')
    if (
      !code ||
      code.used ||
      code.appid !== appid ||
      query.get('grant_type') !== 'authorization_code'
    ) {
      return json(response, { errcode: 40029, errmsg: 'invalid code' })
    }
    code.used = true
    const accessToken = token()
    wechatTokens.set(accessToken, { appid, person: code.person, scope: code.scope })
    json(response, {
      access_token: accessToken,
      expires_in: 7200,
      refresh_token: token(),
      openid: code.person.openid,
      scope: code.scope,
      ...(code.person.unionid ? { unionid: code.person.unionid } : {}),
    })
  }

  function wechatUserInfo(query: URLSearchParams, response: ServerResponse) {
    fake.apiCalls += 1
    const granted = wechatTokens.get(query.get('access_token') ?? '')
    if (!granted || granted.person.openid !== query.get('openid')) {
      return json(response, { errcode: 40001, errmsg: 'invalid credential' })
    }
    if (granted.scope !== 'snsapi_userinfo') {
      return json(response, { errcode: 48001, errmsg: 'api unauthorized' })
    }
    json(response, {
      openid: granted.person.openid,
      nickname: granted.person.nickname ?? '',
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: '',
      privilege: [],
      ...(granted.person.unionid ? { unionid: granted.person.unionid } : {}),
    })
  }

  function alipayAuthorize(query: URLSearchParams, response: ServerResponse) {
    const appId = query.get('app_id') ?? ''
    const redirectUri = query.get('redirect_uri')
    if (!alipayApps.has(appId) || query.get('scope') !== 'auth_base' || !redirectUri) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      return response.end('<p>参数错误</p>')
    }
    const code = token()
    alipayCodes.set(code, { appId, userId: alipayUser, used: false })
    redirect(response, redirectUri, {
      app_id: appId,
      source: 'alipay_wallet',
      scope: 'auth_base',
      auth_code: code,
      state: query.get('state') ?? '',
    })
  }

  function alipayAnswer(
    response: ServerResponse,
    app: AlipayApp | undefined,
    key: string,
    body: unknown
  ) {
    const content = JSON.stringify(body)
    const signer = app?.alipay.privateKey ?? rsaPair().privateKey
    const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(signer, 'base64')
    response.writeHead(200, { 'content-type': 'text/html;charset=utf-8' })
    response.end(`{"${key}":${content},"sign":"${sign}"}`)
  }

  function alipayGateway(params: Record<string, string>, response: ServerResponse) {
    fake.apiCalls += 1
    const app = alipayApps.get(params.app_id ?? '')
    const invalid = (subCode: string, subMsg: string) =>
      alipayAnswer(response, app, 'error_response', {
        code: '40002',
        msg: 'Invalid Arguments',
        sub_code: subCode,
        sub_msg: subMsg,
      })
    if (!app) return invalid('isv.invalid-app-id', '无效的AppID参数')
    if (params.method !== 'alipay.system.oauth.token' || params.sign_type !== 'RSA2') {
      return invalid('isv.invalid-parameter', '参数无效')
    }
    const content = Object.keys(params)
      .filter((key) => key !== 'sign' && params[key] !== '')
      .sort()
      .map((key) => `${key}=${params[key]}`)
      .join('&')
    const signed =
      !!params.sign &&
      createVerify('RSA-SHA256')
        .update(content, 'utf8')
        .verify(app.application.publicKey, params.sign, 'base64')
    if (!signed) return invalid('isv.invalid-signature', '验签出错')
    const code = alipayCodes.get(params.code ?? '')
    if (
      !code ||
      code.used ||
      code.appId !== app.appId ||
      params.grant_type !== 'authorization_code'
    ) {
      return invalid('isv.code-invalid', '授权码code无效')
    }
    code.used = true
    alipayAnswer(response, app, 'alipay_system_oauth_token_response', {
      user_id: code.userId,
      access_token: `authbseB${token()}`,
      expires_in: 1296000,
      refresh_token: `authbseB${token()}`,
      re_expires_in: 2592000,
      auth_start: '2026-12-07 10:00:00',
    })
  }

  const server = createServer((request, response) => {
    void (async () => {
      const target = new URL(request.url ?? '/', 'http://127.0.0.1')
      const query = target.searchParams
      if (request.method === 'GET' && target.pathname === '/connect/oauth2/authorize') {
        return wechatAuthorize(query, response)
      }
      if (request.method === 'GET' && target.pathname === '/sns/oauth2/access_token') {
        return wechatAccessToken(query, response)
      }
      if (request.method === 'GET' && target.pathname === '/sns/userinfo') {
        return wechatUserInfo(query, response)
      }
      if (request.method === 'GET' && target.pathname === '/oauth2/publicAppAuthorize.htm') {
        return alipayAuthorize(query, response)
      }
      if (request.method === 'POST' && target.pathname === '/gateway.do') {
        const body = Object.fromEntries(new URLSearchParams(await readBody(request)))
        return alipayGateway({ ...Object.fromEntries(query), ...body }, response)
      }
      response.writeHead(404).end()
    })().catch((error: Error) => response.writeHead(500).end(error.message))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  Object.assign(riderOauthEndpoints, {
    wechat: {
      authorizeUrl: `${fake.url}/connect/oauth2/authorize`,
      accessTokenUrl: `${fake.url}/sns/oauth2/access_token`,
      userInfoUrl: `${fake.url}/sns/userinfo`,
    },
    alipay: {
      authorizeUrl: `${fake.url}/oauth2/publicAppAuthorize.htm`,
      gateway: `${fake.url}/gateway.do`,
    },
  })
  return fake
}
