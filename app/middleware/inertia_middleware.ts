import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import BaseInertiaMiddleware from '@adonisjs/inertia/inertia_middleware'
import { navigationFor } from '#services/navigation'

export default class InertiaMiddleware extends BaseInertiaMiddleware {
  share(ctx: HttpContext) {
    // A page may render before session or auth ran (a 404, say).
    const { session, auth, i18n, tenant } = ctx as Partial<HttpContext>
    const staff = auth?.user
    const permissions = tenant ? [...tenant.permissions] : []

    return {
      errors: ctx.inertia.always(this.getValidationErrors(ctx)),
      flash: ctx.inertia.always({
        error: session?.flashMessages.get('error') as string | undefined,
        success: session?.flashMessages.get('success') as string | undefined,
      }),
      locale: ctx.inertia.always(i18n?.locale ?? 'zh-CN'),
      staff: ctx.inertia.always(
        staff ? { id: staff.id, name: staff.name, account: staff.account } : null
      ),
      permissions: ctx.inertia.always(permissions),
      navigation: ctx.inertia.always(tenant ? navigationFor((p) => tenant.can(p)) : []),
    }
  }

  async handle(ctx: HttpContext, next: NextFn) {
    await this.init(ctx)
    const output = await next()
    this.dispose(ctx)
    return output
  }
}

declare module '@adonisjs/inertia/types' {
  type MiddlewareSharedProps = InferSharedProps<InertiaMiddleware>
  export interface SharedProps extends MiddlewareSharedProps {}
}
