import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import SsoPolicy from '#policies/sso_policy'
import StaffIdentityService from '#services/auth/sso/staff_identity_service'
import { SSO_PROVIDERS } from '#services/auth/sso/providers'
import type { SsoPageProps } from '#services/permissions/permissions_props'

/**
 * 权限 → 单点登录: the tenant's DingTalk and WeCom apps (saved through
 * POST /sso/apps), and unlinking a staff member's account (管理员).
 */
@inject()
export default class SsoSettingsController {
  constructor(protected identities: StaffIdentityService) {}

  async index({ inertia, bouncer, tenant }: HttpContext) {
    await bouncer.with(SsoPolicy).authorize('configureApp')
    const apps = await this.identities.apps(tenant)
    return inertia.render('permissions/sso', {
      ssoApps: SSO_PROVIDERS.map((provider) => {
        const found = apps.find((app) => app.provider === provider)
        const app = found && {
          clientId: found.clientId,
          agentId: found.agentId,
          enabled: found.enabled,
        }
        return { provider, app: app ?? null }
      }),
      // The apps serve every project: only a tenant-wide admin changes them.
      ssoTenantWide: tenant.projectIds === null,
    } satisfies SsoPageProps)
  }

  /** DELETE /sso/identities/:id: the account no longer signs in as the staff member. */
  async unlinkIdentity(ctx: HttpContext) {
    const { params, bouncer, tenant, session, response, i18n } = ctx
    await bouncer.with(SsoPolicy).authorize('linkIdentity')
    await this.identities.unlinkIdentity(tenant, Number(params.id), ctx)
    session.flash('success', i18n.t('sso.identityUnlinked'))
    return response.redirect().back()
  }
}
