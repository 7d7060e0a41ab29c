import type { HttpContext } from '@adonisjs/core/http'
import { defineConfig } from '@adonisjs/ally'
import type { InferSocialProviders } from '@adonisjs/ally/types'
import { DingTalkDriver } from '#services/auth/sso/dingtalk_driver'
import { WeComDriver } from '#services/auth/sso/wecom_driver'
import type { TenantSsoApp } from '#services/auth/sso/providers'

interface Endpoints {
  authorizeUrl?: string
  accessTokenUrl?: string
  userInfoUrl?: string
}

/*
| Vendor endpoints. Empty means the real ones (each driver knows them); set
| a URL to go through a proxy, as the tests do to reach their local fakes.
| Read at every request, so a change applies to the next sign-in.
*/
export const ssoEndpoints: { dingtalk: Endpoints; wecom: Endpoints } = {
  dingtalk: {},
  wecom: {},
}

/** Credentials are per tenant, so they come with the request, not from here. */
function tenantApp(ctx: HttpContext): TenantSsoApp {
  if (!ctx.ssoApp) throw new Error('Choose the tenant SSO app (ctx.ssoApp) before using Ally')
  return ctx.ssoApp
}

const allyConfig = defineConfig({
  dingtalk: (ctx: HttpContext) =>
    new DingTalkDriver(ctx, { ...tenantApp(ctx), ...ssoEndpoints.dingtalk }),
  wecom: (ctx: HttpContext) => new WeComDriver(ctx, { ...tenantApp(ctx), ...ssoEndpoints.wecom }),
})

export default allyConfig

declare module '@adonisjs/ally/types' {
  interface SocialProviders extends InferSocialProviders<typeof allyConfig> {}
}
