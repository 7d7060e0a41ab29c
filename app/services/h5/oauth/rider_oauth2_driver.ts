import type { HttpContext } from '@adonisjs/core/http'
import { Oauth2Driver } from '@adonisjs/ally'
import type { Oauth2AccessToken, Oauth2DriverConfig } from '@adonisjs/ally/types'

/**
 * What the WeChat and Alipay rider drivers share. Their endpoints are the
 * tenant's (checked by allowedEndpoint when used), not fixed fields; the
 * rider's session keeps the state (oauth_state.ts), so Ally's state cookie
 * is off.
 */
export abstract class RiderOauth2Driver<
  Token extends Oauth2AccessToken,
  Scopes extends string,
  Config extends Oauth2DriverConfig,
> extends Oauth2Driver<Token, Scopes> {
  protected authorizeUrl = ''
  protected accessTokenUrl = ''
  protected userInfoUrl = ''
  protected errorParamName = 'error'
  protected stateParamName = 'state'
  protected scopeParamName = 'scope'
  protected scopesSeparator = ','

  constructor(
    ctx: HttpContext,
    public config: Config
  ) {
    super(ctx, config)
    this.stateless()
  }
}
