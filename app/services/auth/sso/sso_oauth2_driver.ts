import type { HttpContext } from '@adonisjs/core/http'
import type { Oauth2AccessToken, Oauth2DriverConfig } from '@adonisjs/ally/types'
import { TenantOauth2Driver } from '#services/auth/tenant_oauth2_driver'

/**
 * What the DingTalk and WeCom drivers share: Ally's state cookie, scopes
 * separated by spaces, and `access_denied` as a refused consent. A driver
 * names its state cookie with a getter: the constructor reads it before the
 * driver's own fields are set.
 */
export abstract class SsoOauth2Driver<
  Token extends Oauth2AccessToken,
  Scopes extends string,
  Config extends Oauth2DriverConfig,
> extends TenantOauth2Driver<Token, Scopes, Config> {
  protected scopesSeparator = ' '
  protected abstract get stateCookieName(): string

  constructor(ctx: HttpContext, config: Config) {
    super(ctx, config)
    this.loadState()
  }

  accessDenied() {
    return this.getError() === 'access_denied'
  }
}
