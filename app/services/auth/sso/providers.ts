// The names live apart from the augmentation below, so pages can import their type.
export {
  SSO_PROVIDERS,
  isSsoProvider,
  type SsoProvider,
} from '#services/auth/sso/sso_provider_names'

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
