import { Oauth2Driver } from '@adonisjs/ally'
import type { Oauth2AccessToken } from '@adonisjs/ally/types'

/**
 * What the DingTalk and WeCom drivers share: OAuth2's names for the error,
 * state and scope parameters, and `access_denied` as a refused consent.
 * Each driver still calls `loadState()` in its own constructor, once its own
 * fields (the state cookie's name) are set.
 */
export abstract class SsoOauth2Driver<
  Token extends Oauth2AccessToken,
  Scopes extends string,
> extends Oauth2Driver<Token, Scopes> {
  protected errorParamName = 'error'
  protected stateParamName = 'state'
  protected scopeParamName = 'scope'
  protected scopesSeparator = ' '

  accessDenied() {
    return this.getError() === 'access_denied'
  }
}
