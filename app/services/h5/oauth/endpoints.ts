import env from '#start/env'

/*
| Where rider sign-in calls out: WeChat's and Alipay's own hosts over
| HTTPS, or a host the platform lists in PROVIDER_HOSTS_ALLOWED (tests and
| local gateways), as for the payment plugins. The addresses are the
| platform's (tests point them at local fakes), never a tenant's.
*/
export type RiderOauthEndpoints = {
  wechat: { authorizeUrl: string; accessTokenUrl: string; userInfoUrl: string }
  alipay: { authorizeUrl: string; gateway: string }
}

export const REAL_RIDER_OAUTH_ENDPOINTS: RiderOauthEndpoints = {
  wechat: {
    authorizeUrl: 'https://open.weixin.qq.com/connect/oauth2/authorize',
    accessTokenUrl: 'https://api.weixin.qq.com/sns/oauth2/access_token',
    userInfoUrl: 'https://api.weixin.qq.com/sns/userinfo',
  },
  alipay: {
    authorizeUrl: 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm',
    gateway: 'https://openapi.alipay.com/gateway.do',
  },
}

/** Read at every sign-in, so a test's change applies to the next one. */
export const riderOauthEndpoints: RiderOauthEndpoints = structuredClone(REAL_RIDER_OAUTH_ENDPOINTS)

const PROVIDER_HOSTS = [
  'open.weixin.qq.com',
  'api.weixin.qq.com',
  'openauth.alipay.com',
  'openapi.alipay.com',
]

/** The URL, or an error before any request when it points anywhere else. */
export function allowedEndpoint(text: string): string {
  const url = new URL(text)
  const host = url.hostname.toLowerCase()
  const platform = (env.get('PROVIDER_HOSTS_ALLOWED') ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
  const own = url.protocol === 'https:' && url.port === '' && PROVIDER_HOSTS.includes(host)
  const listed = (url.protocol === 'https:' || url.protocol === 'http:') && platform.includes(host)
  if (url.username || url.password || !(own || listed)) {
    throw new Error(`rider sign-in endpoint not allowed: ${url.origin}`)
  }
  return url.toString()
}

/** Every call to a provider gives up after this long. */
export const PROVIDER_TIMEOUT_MS = 8_000
