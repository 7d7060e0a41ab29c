import type { HttpContext } from '@adonisjs/core/http'
import type { Oauth2AccessToken, Oauth2DriverConfig } from '@adonisjs/ally/types'
import { TenantOauth2Driver } from '#services/auth/tenant_oauth2_driver'
import type { RiderOauthEndpoints } from '#services/h5/oauth/endpoints'

/** A rider driver's config: the tenant's app and the provider's endpoints. */
export type RiderDriverConfig<Provider extends keyof RiderOauthEndpoints> = Oauth2DriverConfig & {
  endpoints: RiderOauthEndpoints[Provider]
}

/**
 * What the WeChat and Alipay rider drivers share. Their endpoints are the
 * tenant's (checked by allowedEndpoint when used), not fixed fields; the
 * rider's session keeps the state (oauth_state.ts), so Ally's state cookie
 * is off. Neither answers with a refusal: no code is a refused consent.
 */
export abstract class RiderOauth2Driver<
  Token extends Oauth2AccessToken,
  Scopes extends string,
  Config extends Oauth2DriverConfig,
> extends TenantOauth2Driver<Token, Scopes, Config> {
  protected authorizeUrl = ''
  protected accessTokenUrl = ''
  protected userInfoUrl = ''
  protected scopesSeparator = ','

  constructor(ctx: HttpContext, config: Config) {
    super(ctx, config)
    this.stateless()
  }

  accessDenied() {
    return !this.hasCode()
  }
}
