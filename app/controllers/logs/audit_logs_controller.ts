import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AuditPolicy from '#policies/audit_policy'
import AuditLogQuery from '#services/logs/audit_log_query'
import type { AuditKind } from '#models/audit_log'
import { auditLogFilterValidator } from '#validators/logs/audit_log_validator'
import type { AuditLogPageProps } from '#services/logs/audit_log_rows'

/** 日志: the operation log and the login log of the signed-in staff member's tenant. */
@inject()
export default class AuditLogsController {
  constructor(protected logs: AuditLogQuery) {}

  async operations(ctx: HttpContext) {
    return this.#show(ctx, 'operation', 'logs/operations')
  }

  async logins(ctx: HttpContext) {
    return this.#show(ctx, 'login', 'logs/logins')
  }

  async #show(
    { request, inertia, bouncer }: HttpContext,
    kind: AuditKind,
    page: 'logs/operations' | 'logs/logins'
  ) {
    await bouncer.with(AuditPolicy).authorize('view')
    const filters = await request.validateUsing(auditLogFilterValidator)
    const { rows, actions, pagination } = await this.logs.page(kind, filters)
    return inertia.render(page, {
      rows,
      actions,
      pagination,
      filters: {
        from: filters.from ?? null,
        to: filters.to ?? null,
        action: filters.action ?? null,
        account: filters.account ?? null,
        result: filters.result ?? null,
      },
    } satisfies AuditLogPageProps)
  }
}
