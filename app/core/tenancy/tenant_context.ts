import db from '@adonisjs/lucid/services/db'
import type { LucidModel } from '@adonisjs/lucid/types/model'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import type { Permission } from '#core/access/permissions'
import type { AuditActor, AuditRequestDetails } from '#core/audit/audit_service'

/** Who acts and from where, for the audit records of the work. */
export interface WorkOrigin {
  actor: AuditActor | null
  request: AuditRequestDetails | null
}

/**
 * Who a piece of work runs for: a tenant, optionally a staff member with
 * their permissions and the projects they are limited to (null: all).
 *
 * Tenant data is read and written only inside `run`: a transaction on the
 * app role with `app.tenant_id` set, so row-level security holds even where
 * a query forgets its tenant filter. `query` adds that filter anyway.
 */
export default class TenantContext {
  constructor(
    readonly tenantId: number,
    readonly staffId: number | null = null,
    readonly projectIds: number[] | null = null,
    readonly permissions: ReadonlySet<Permission> = new Set(),
    readonly origin: WorkOrigin = { actor: null, request: null }
  ) {}

  can(permission: Permission) {
    return this.permissions.has(permission)
  }

  /** The context a queued job runs in: its payload carries the tenant id. */
  static forJob(tenantId: number) {
    return new TenantContext(tenantId)
  }

  async run<Result>(work: (trx: TransactionClientContract) => Promise<Result>): Promise<Result> {
    return db.connection('app').transaction(async (trx) => {
      await trx.rawQuery(`SELECT set_config('app.tenant_id', ?, true)`, [String(this.tenantId)])
      return work(trx)
    })
  }

  /** A query on a tenant model, filtered to this tenant, inside `trx`. */
  query<Model extends LucidModel>(
    model: Model,
    trx: TransactionClientContract
  ): ModelQueryBuilderContract<Model, InstanceType<Model>> {
    return model.query({ client: trx }).where(`${model.table}.tenant_id`, this.tenantId)
  }

  /** Narrows a query to the projects this context may see. */
  limitToProjects<Query extends { whereIn(column: string, values: number[]): Query }>(
    query: Query,
    column = 'project_id'
  ): Query {
    return this.projectIds === null ? query : query.whereIn(column, this.projectIds)
  }

  canSeeProject(projectId: number) {
    return this.projectIds === null || this.projectIds.includes(projectId)
  }
}
