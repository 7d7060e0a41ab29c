import app from '@adonisjs/core/services/app'
import { AuthManager, type Authenticator } from '@adonisjs/auth'
import { Bouncer } from '@adonisjs/bouncer'
import type { InferAuthenticators } from '@adonisjs/auth/types'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { platformAuthConfig } from '#config/auth'
import { policies } from '#policies/main'
import type PlatformAdmin from '#models/platform_admin'

type PlatformGuards = InferAuthenticators<typeof platformAuthConfig>

let manager: AuthManager<PlatformGuards> | undefined

/**
 * Gives every /platform request the platform guard (`ctx.platformAuth`) and a
 * Bouncer whose user is the platform admin (`ctx.platformBouncer`). Tenant
 * staff signed in on the same browser stay invisible to both.
 */
export default class PlatformSessionMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    manager ??= new AuthManager(await platformAuthConfig.resolver(app))
    ctx.platformAuth = manager.createAuthenticator(ctx)
    ctx.platformBouncer = new Bouncer(
      () => ctx.platformAuth.user ?? null,
      {},
      policies
    ).setContainerResolver(ctx.containerResolver)
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    platformAuth: Authenticator<PlatformGuards>
    platformBouncer: Bouncer<PlatformAdmin, {}, typeof policies>
  }
}
