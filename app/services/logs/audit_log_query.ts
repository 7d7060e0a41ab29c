import { inject } from '@adonisjs/core'
import type { ChainableContract } from '@adonisjs/lucid/types/querybuilder'
import { whereShanghaiDays } from '#services/finance/keyset'
import AuditLog, { type AuditKind } from '#models/audit_log'
import Project from '#models/project'
import TenantContext from '#core/tenancy/tenant_context'
import { escapeLike } from '#core/tenancy/text_match'
import type { AuditLogRow } from '#services/logs/audit_log_rows'

export const AUDIT_PAGE_SIZE = 20

export interface AuditLogFilters {
  from?: string
  to?: string
  action?: string
  account?: string
  result?: 'success' | 'failure'
  page?: number
}

/**
 * Reads one tenant's audit log for the 日志 pages: newest first, filtered
 * and paged in SQL. Staff limited to projects see rows of those projects
 * and rows tied to no project (logins, tenant-wide settings).
 */
@inject()
export default class AuditLogQuery {
  constructor(protected tenant: TenantContext) {}

  /**
   * Narrows a query of one kind's audit rows to the filters and the staff
   * member's projects; the page and the export read the same rows.
   */
  narrow<Query extends ChainableContract>(query: Query, filters: AuditLogFilters) {
    const projectIds = this.tenant.projectIds
    if (projectIds !== null) {
      query.where((visible) => visible.whereNull('project_id').orWhereIn('project_id', projectIds))
    }
    whereShanghaiDays(query, 'occurred_at', filters)
    if (filters.action) query.where('action', filters.action)
    if (filters.account) {
      query.whereILike('actor_account', `%${escapeLike(filters.account)}%`)
    }
    if (filters.result) query.where('result', filters.result)
    return query
  }

  async page(kind: AuditKind, filters: AuditLogFilters) {
    return this.tenant.run(async (trx) => {
      const query = this.tenant
        .query(AuditLog, trx)
        .where('kind', kind)
        .orderBy('occurred_at', 'desc')
        .orderBy('id', 'desc')

      this.narrow(query, filters)

      const paginator = await query.paginate(filters.page ?? 1, AUDIT_PAGE_SIZE)
      const rows = paginator.all()

      const ids = [...new Set(rows.map((row) => row.projectId).filter((id) => id !== null))]
      const projects = ids.length
        ? await this.tenant.query(Project, trx).whereIn('id', ids).select('id', 'name')
        : []
      const projectName = new Map(projects.map((project) => [Number(project.id), project.name]))

      const actions = await this.tenant
        .query(AuditLog, trx)
        .where('kind', kind)
        .distinct('action')
        .orderBy('action')

      return {
        rows: rows.map((row): AuditLogRow => ({
          id: Number(row.id),
          occurredAt: row.occurredAt.toUTC().toISO()!,
          staffId: row.staffId === null ? null : Number(row.staffId),
          actorAccount: row.actorAccount,
          actorName: row.actorName,
          project: row.projectId === null ? null : (projectName.get(Number(row.projectId)) ?? null),
          action: row.action,
          targetType: row.targetType,
          targetId: row.targetId,
          before: row.before,
          after: row.after,
          ip: row.ip,
          userAgent: row.userAgent,
          requestId: row.requestId,
          result: row.result,
          reason: row.reason,
        })),
        actions: actions.map((row) => row.action),
        pagination: {
          page: paginator.currentPage,
          perPage: AUDIT_PAGE_SIZE,
          total: paginator.total,
        },
      }
    })
  }
}

export type { AuditLogRow }
