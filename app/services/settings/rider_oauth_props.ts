/*
| What 配置 › 用户登录 shows: types only, shared by the service and the page.
| Type aliases, not interfaces: Inertia props must be plain JSON types.
*/

/** An app as the page shows it: never the secret, only whether one is set. */
export type RiderOauthAppRow = {
  provider: 'wechat' | 'alipay'
  appId: string
  enabled: boolean
  secretSet: boolean
  alipayPublicKeySet: boolean
}

export type RiderOauthPageProps = {
  riderOauthApps: RiderOauthAppRow[]
  /** Whether this admin may set them (an app serves every project). */
  riderOauthTenantWide: boolean
}
