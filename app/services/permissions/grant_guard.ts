import { inject } from '@adonisjs/core'
import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import logger from '@adonisjs/core/services/logger'
import limiter from '@adonisjs/limiter/services/main'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AccessControlService from '#core/access/access_control_service'
import AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import {
  covers,
  holdsPermissions,
  holdsProjects,
  type Rights,
} from '#services/permissions/grant_rules'

export type GrantRefusalReason =
  | 'permissionsBeyondOwn'
  | 'rolesBeyondOwn'
  | 'projectsBeyondOwn'
  | 'ownRightsFixed'
  | 'targetNotCovered'
  | 'notYourself'
  | 'tenantWideOnly'
  | 'protectedNeedsTenantWide'

/** What was tried, for the refusal's audit record. */
export interface GrantAttempt {
  action: string
  target: { type: string; id: number | string } | null
}

/**
 * A grant refused: the actor tried to give, take or use more than they
 * hold. A 403 with the reason (an i18n key under `grants.`); nothing changed.
 */
export class GrantRefused extends Exception {
  static status = 403

  constructor(
    public reason: GrantRefusalReason,
    public attempt: GrantAttempt
  ) {
    super(`grants.${reason}`, { status: 403, code: 'E_GRANT_REFUSED' })
  }

  async handle(error: this, ctx: HttpContext) {
    const message = ctx.i18n.t(`grants.${error.reason}`)
    ctx.response.status(403)
    if (ctx.request.accepts(['html', 'json']) === 'json' && !ctx.request.header('x-inertia')) {
      return ctx.response.send({ errors: [{ message, code: error.reason }] })
    }
    // The page the admin comes back to names the reason; this answer is the refusal page.
    ctx.session.flash('error', message)
    return ctx.response.send(await ctx.inertia.render('errors/status', { status: 403 }))
  }
}

/*
| Refusals are audited, but one staff member hammering the endpoint must not
| write rows without end (each also takes the tenant's audit-chain lock):
| past this many per actor in the window, refusals are only logged.
*/
const REFUSAL_AUDITS = { requests: 20, duration: '10 mins' }

/**
 * Applies the grant rules (grant_rules.ts) inside a tenant context: loads
 * the rights of the actor and of target staff, refuses with GrantRefused,
 * and records each refusal in the tenant's audit chain after the refused
 * work rolled back.
 */
@inject()
export default class GrantGuard {
  constructor(protected audit: AuditService) {}

  /** The signed-in actor's own rights. */
  actorRights(tenant: TenantContext): Rights {
    return { permissions: tenant.permissions, projectIds: tenant.projectIds }
  }

  /** A staff member's rights as stored: all their roles' permissions, their projects. */
  async rightsOf(staffId: number, trx: TransactionClientContract): Promise<Rights> {
    const permissions = await new AccessControlService().permissionsOf(staffId, trx)
    const projects = await trx
      .from('staff_projects')
      .where('staff_id', staffId)
      .select('project_id')
    return {
      permissions,
      projectIds: projects.length ? projects.map((row) => Number(row.project_id)) : null,
    }
  }

  /** The permissions a set of roles gives. */
  async permissionsOfRoles(roleIds: number[], trx: TransactionClientContract) {
    if (!roleIds.length) return new Set<string>()
    const rows = await trx
      .from('role_permissions')
      .whereIn('role_id', roleIds)
      .distinct('permission')
    return new Set(rows.map((row) => String(row.permission)))
  }

  /** Refuses unless the actor holds every permission asked for. */
  assertHoldsPermissions(
    tenant: TenantContext,
    permissions: Iterable<string>,
    attempt: GrantAttempt,
    reason: GrantRefusalReason = 'permissionsBeyondOwn'
  ) {
    if (!holdsPermissions(this.actorRights(tenant), permissions)) {
      throw new GrantRefused(reason, attempt)
    }
  }

  /** Refuses unless the projects asked for (null: all) lie within the actor's. */
  assertHoldsProjects(
    tenant: TenantContext,
    projectIds: readonly number[] | null,
    attempt: GrantAttempt
  ) {
    if (!holdsProjects(this.actorRights(tenant), projectIds)) {
      throw new GrantRefused('projectsBeyondOwn', attempt)
    }
  }

  /** Refuses unless the actor's rights cover the target staff member's. */
  async assertCovers(
    tenant: TenantContext,
    staffId: number,
    attempt: GrantAttempt,
    trx: TransactionClientContract
  ) {
    if (!covers(this.actorRights(tenant), await this.rightsOf(staffId, trx))) {
      throw new GrantRefused('targetNotCovered', attempt)
    }
  }

  /**
   * Runs `work` in the tenant context. A GrantRefused from it rolls the
   * work back, is recorded (who, what, target) and rethrown.
   */
  async run<Result>(
    tenant: TenantContext,
    work: (trx: TransactionClientContract) => Promise<Result>
  ): Promise<Result> {
    try {
      return await tenant.run(work)
    } catch (error) {
      if (error instanceof GrantRefused) await this.recordRefusal(tenant, error)
      throw error
    }
  }

  /** A refused attempt in the tenant's audit chain, at a bounded rate per actor. */
  async recordRefusal(tenant: TenantContext, refusal: GrantRefused) {
    const key = `grant_refusal_${tenant.tenantId}_${tenant.staffId ?? 'system'}`
    const written = await limiter.use(REFUSAL_AUDITS).attempt(key, async () => {
      await tenant.run((trx) =>
        this.audit.recordInContext(
          tenant,
          {
            action: refusal.attempt.action,
            target: refusal.attempt.target,
            result: 'failure',
            reason: refusal.reason,
          },
          trx
        )
      )
      return true
    })
    if (!written) {
      logger.warn(
        { tenantId: tenant.tenantId, staffId: tenant.staffId, ...refusal.attempt },
        'grant refused (audit rate exceeded, not recorded)'
      )
    }
  }
}
