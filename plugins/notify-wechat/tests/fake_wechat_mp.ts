import { randomBytes, randomInt } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/*
| A local stand-in for api.weixin.qq.com (unreachable from tests): it issues
| access tokens for one official account at /cgi-bin/token, and takes
| /cgi-bin/message/template/send as WeChat does, checking the token and the
| JSON shape and answering with errcode/errmsg, errors included.
*/

export interface FakeTemplateMessage {
  touser: string
  template_id: string
  url?: string
  data: Record<string, { value: string }>
}

export interface FakeWechatMp {
  url: string
  appId: string
  appSecret: string
  /** Openids that follow the account (others answer 40003). */
  follow(openId: string): void
  /** Messages accepted, oldest first. */
  messages: FakeTemplateMessage[]
  /** How many tokens were issued. */
  tokenRequests(): number
  /** Voids every issued token, as a token fetched elsewhere does (next send: 40001). */
  voidTokens(): void
  /** The next `count` sends answer `errcode` (e.g. 45009, over the daily quota). */
  failSends(count: number, errcode: number, errmsg?: string): void
  close(): Promise<void>
}

export async function startFakeWechatMp(
  account = { appId: 'wx0123456789abcdef', appSecret: 'fake-app-secret-0123456789' }
): Promise<FakeWechatMp> {
  const followers = new Set<string>()
  const messages: FakeTemplateMessage[] = []
  let valid = new Set<string>()
  let issued = 0
  let failures: { count: number; errcode: number; errmsg: string } | null = null

  const answer = (response: any, body: unknown) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    response.end(JSON.stringify(body))
  }

  const server: Server = createServer((request, response) => {
    let raw = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => (raw += chunk))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake')
      if (request.method === 'GET' && url.pathname === '/cgi-bin/token') {
        const query = url.searchParams
        if (query.get('grant_type') !== 'client_credential') {
          return answer(response, { errcode: 40002, errmsg: 'invalid grant_type' })
        }
        if (query.get('appid') !== account.appId) {
          return answer(response, { errcode: 40013, errmsg: 'invalid appid' })
        }
        if (query.get('secret') !== account.appSecret) {
          return answer(response, { errcode: 40125, errmsg: 'invalid appsecret' })
        }
        const token = randomBytes(24).toString('base64url')
        valid.add(token)
        issued += 1
        return answer(response, { access_token: token, expires_in: 7200 })
      }
      if (request.method === 'POST' && url.pathname === '/cgi-bin/message/template/send') {
        if (!valid.has(url.searchParams.get('access_token') ?? '')) {
          return answer(response, { errcode: 40001, errmsg: 'invalid credential' })
        }
        let body: any
        try {
          body = JSON.parse(raw)
        } catch {
          return answer(response, { errcode: 47001, errmsg: 'data format error' })
        }
        const values = body?.data && typeof body.data === 'object' ? Object.values(body.data) : []
        const shaped =
          typeof body?.touser === 'string' &&
          typeof body?.template_id === 'string' &&
          body.template_id.length > 0 &&
          (body.url === undefined || typeof body.url === 'string') &&
          values.length > 0 &&
          values.every((item: any) => typeof item?.value === 'string')
        if (!shaped) return answer(response, { errcode: 47001, errmsg: 'data format error' })
        if (!followers.has(body.touser)) {
          return answer(response, { errcode: 40003, errmsg: 'invalid openid' })
        }
        if (failures && failures.count > 0) {
          failures.count -= 1
          return answer(response, { errcode: failures.errcode, errmsg: failures.errmsg })
        }
        messages.push(body)
        return answer(response, { errcode: 0, errmsg: 'ok', msgid: randomInt(1, 2 ** 40) })
      }
      response.writeHead(404)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    ...account,
    follow: (openId) => void followers.add(openId),
    messages,
    tokenRequests: () => issued,
    voidTokens: () => {
      valid = new Set()
    },
    failSends: (count, errcode, errmsg = 'system error') => {
      failures = { count, errcode, errmsg }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
