/** One tenant's rider sign-in app, as a driver needs it. */
export interface TenantRiderOauthApp {
  clientId: string
  /** WeChat: the AppSecret; Alipay: the application private key. */
  clientSecret: string
  /** Alipay only. */
  alipayPublicKey: string
  callbackUrl: string
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    /**
     * The tenant app a rider signs in through, set by the H5 sign-in
     * controller before it asks Ally for a driver (Ally's factories are
     * synchronous and know nothing of tenants).
     */
    riderOauthApp?: TenantRiderOauthApp
  }
}
