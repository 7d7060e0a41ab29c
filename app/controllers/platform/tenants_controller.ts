import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import PlatformTenantPolicy from '#policies/platform_tenant_policy'
import PlatformTenantService from '#services/platform/platform_tenant_service'
import { createTenantValidator } from '#validators/platform_validator'
import { requestDetails } from '#core/audit/audit_service'
import type { WorkOrigin } from '#core/tenancy/tenant_context'
import type { TenantsPageProps } from '#services/platform/platform_props'

/** The signed-in platform admin and their request, for the tenant's audit chain. */
function platformOrigin(ctx: HttpContext): WorkOrigin {
  const admin = ctx.platformAuth.getUserOrFail()
  return {
    actor: { staffId: null, account: `platform:${admin.account}`, name: admin.name },
    request: requestDetails(ctx),
  }
}

/** The platform console's tenant list: create, suspend, activate. */
@inject()
export default class PlatformTenantsController {
  constructor(protected tenants: PlatformTenantService) {}

  async index({ inertia, platformAuth }: HttpContext) {
    const admin = platformAuth.getUserOrFail()
    return inertia.render('platform/tenants', {
      admin: { name: admin.name, account: admin.account },
      tenants: await this.tenants.list(),
    } satisfies TenantsPageProps)
  }

  async store(ctx: HttpContext) {
    const { request, response, session, i18n, platformBouncer } = ctx
    await platformBouncer.with(PlatformTenantPolicy).authorize('manage')
    const input = await request.validateUsing(createTenantValidator)
    const { tenant, admin } = await this.tenants.create(input, platformOrigin(ctx))
    session.flash(
      'success',
      i18n.t('platform.tenantCreated', { name: tenant.name, account: admin.account })
    )
    return response.redirect().toRoute('platform.tenants.index')
  }

  async suspend(ctx: HttpContext) {
    const { params, response, session, i18n, platformBouncer } = ctx
    await platformBouncer.with(PlatformTenantPolicy).authorize('manage')
    const tenant = await this.tenants.suspend(Number(params.id), platformOrigin(ctx))
    session.flash('success', i18n.t('platform.tenantSuspended', { name: tenant.name }))
    return response.redirect().toRoute('platform.tenants.index')
  }

  async activate(ctx: HttpContext) {
    const { params, response, session, i18n, platformBouncer } = ctx
    await platformBouncer.with(PlatformTenantPolicy).authorize('manage')
    const tenant = await this.tenants.activate(Number(params.id), platformOrigin(ctx))
    session.flash('success', i18n.t('platform.tenantActivated', { name: tenant.name }))
    return response.redirect().toRoute('platform.tenants.index')
  }
}
