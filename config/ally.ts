import type { HttpContext } from '@adonisjs/core/http'
import { defineConfig } from '@adonisjs/ally'
import type { InferSocialProviders } from '@adonisjs/ally/types'
import { DingTalkDriver } from '#services/auth/sso/dingtalk_driver'
import { WeComDriver } from '#services/auth/sso/wecom_driver'
import type { TenantSsoApp } from '#services/auth/sso/providers'
import { WechatMpDriver } from '#services/h5/oauth/wechat_mp_driver'
import { AlipayOauthDriver } from '#services/h5/oauth/alipay_oauth_driver'
import { riderOauthEndpoints } from '#services/h5/oauth/endpoints'
import type { TenantRiderOauthApp } from '#services/h5/oauth/ally_context'

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

/** Riders sign in at the H5 through their tenant's official account or Alipay app. */
function riderApp(ctx: HttpContext): TenantRiderOauthApp {
  if (!ctx.riderOauthApp) throw new Error('Choose the tenant rider app before using Ally')
  return ctx.riderOauthApp
}

const allyConfig = defineConfig({
  dingtalk: (ctx: HttpContext) =>
    new DingTalkDriver(ctx, { ...tenantApp(ctx), ...ssoEndpoints.dingtalk }),
  wecom: (ctx: HttpContext) => new WeComDriver(ctx, { ...tenantApp(ctx), ...ssoEndpoints.wecom }),
  h5_wechat: (ctx: HttpContext) =>
    new WechatMpDriver(ctx, { ...riderApp(ctx), endpoints: riderOauthEndpoints.wechat }),
  h5_alipay: (ctx: HttpContext) =>
    new AlipayOauthDriver(ctx, { ...riderApp(ctx), endpoints: riderOauthEndpoints.alipay }),
})

export default allyConfig

declare module '@adonisjs/ally/types' {
  interface SocialProviders extends InferSocialProviders<typeof allyConfig> {}
}
