import { defineConfig } from '@adonisjs/auth'
import { sessionGuard } from '@adonisjs/auth/session'
import StaffUserProvider from '#services/auth/staff_user_provider'
import PlatformAdminUserProvider from '#services/platform/platform_admin_user_provider'
import type { InferAuthenticators, InferAuthEvents, Authenticators } from '@adonisjs/auth/types'

const authConfig = defineConfig({
  default: 'web',
  guards: {
    web: sessionGuard({
      useRememberMeTokens: true,
      rememberMeTokensAge: '14 days',
      provider: new StaffUserProvider(),
    }),
  },
})

export default authConfig

/*
| The platform console's guard, in a config of its own: `ctx.auth` keeps
| meaning tenant staff (its user is always a Staff), platform admins sign in
| through `ctx.platformAuth` (app/middleware/platform_session_middleware.ts),
| and the two sessions live under different keys, so they never mix.
*/
export const platformAuthConfig = defineConfig({
  default: 'platform',
  guards: {
    platform: sessionGuard({
      useRememberMeTokens: false,
      provider: new PlatformAdminUserProvider(),
    }),
  },
})

declare module '@adonisjs/auth/types' {
  export interface Authenticators extends InferAuthenticators<typeof authConfig> {}
}
declare module '@adonisjs/core/types' {
  interface EventsList extends InferAuthEvents<Authenticators> {}
}
