/** The company-account providers staff can sign in with. */
export const SSO_PROVIDERS = ['dingtalk', 'wecom'] as const

export type SsoProvider = (typeof SSO_PROVIDERS)[number]

export function isSsoProvider(value: string): value is SsoProvider {
  return (SSO_PROVIDERS as readonly string[]).includes(value)
}

/** One tenant's app credentials, with the callback URL of this sign-in. */
export interface TenantSsoApp {
  clientId: string
  clientSecret: string
  agentId: string
  callbackUrl: string
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    /**
     * The tenant app an SSO request signs in through, set by the SSO
     * controller before it asks Ally for a driver: Ally's driver factories
     * are synchronous and know nothing of tenants.
     */
    ssoApp?: TenantSsoApp
  }
}
