import type { HttpContext } from '@adonisjs/core/http'
import { Oauth2Driver } from '@adonisjs/ally'
import type { Oauth2AccessToken, Oauth2DriverConfig } from '@adonisjs/ally/types'

/**
 * What the four Ally drivers share, staff SSO's (DingTalk, WeCom) and the
 * rider H5's (WeChat, Alipay): a tenant's app as the typed config, and
 * OAuth2's names for the error, state and scope parameters.
 */
export abstract class TenantOauth2Driver<
  Token extends Oauth2AccessToken,
  Scopes extends string,
  Config extends Oauth2DriverConfig,
> extends Oauth2Driver<Token, Scopes> {
  protected errorParamName = 'error'
  protected stateParamName = 'state'
  protected scopeParamName = 'scope'

  constructor(
    ctx: HttpContext,
    public config: Config
  ) {
    super(ctx, config)
  }
}

/** What a provider may tell of a person besides the id. */
interface Profile {
  name?: string | null
  email?: string | null
  avatarUrl?: string | null
}

/** Ally's user for the id a provider proved; what it did not tell stays empty. */
export function allyUser<Token, Original>(
  id: string,
  token: Token,
  original: Original,
  profile: Profile = {}
) {
  return {
    id,
    nickName: profile.name ?? '',
    name: profile.name ?? '',
    email: profile.email ?? null,
    emailVerificationState: 'unsupported' as const,
    avatarUrl: profile.avatarUrl ?? null,
    token,
    original,
  }
}
