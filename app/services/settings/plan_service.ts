import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Plan, { type PlanKind } from '#models/plan'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import PlanRefusal from '#services/riders/plan_refusal'
import { manageableProjects, projectOptions } from '#services/settings/project_choice'

/** A plan as the 套餐 page sends it; price in fen. */
export interface PlanInput {
  projectId: number
  kind: PlanKind
  name: string
  priceFen: number
  days: number
  chargesPerDay?: number | null
  charges?: number | null
  maxHours: number
  enabled: boolean
}

/** Plans (配置 → 套餐), per project; staff limited to projects manage only theirs. */
@inject()
export default class PlanService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  list() {
    return this.tenant.run(async (trx) => ({
      plans: await this.tenant
        .limitToProjects(this.tenant.query(Plan, trx))
        .orderBy('project_id')
        .orderBy('id'),
      projects: await projectOptions(this.tenant, trx),
    }))
  }

  create(input: PlanInput) {
    return this.tenant.run(async (trx) => {
      await this.#checkProject(input, trx)
      const plan = await Plan.create(
        { ...terms(input), tenantId: this.tenant.tenantId },
        { client: trx }
      )
      await this.#audit('plans.create', plan, null, trx)
      return plan
    })
  }

  update(id: number, input: PlanInput) {
    return this.tenant.run(async (trx) => {
      const plan = await this.#find(id, trx)
      await this.#checkProject(input, trx)
      const before = plan.serialize()
      plan.merge(terms(input))
      await plan.save()
      await this.#audit('plans.update', plan, before, trx)
      return plan
    })
  }

  async #checkProject(input: PlanInput, trx: TransactionClientContract) {
    const project = await manageableProjects(this.tenant, trx)
      .where('id', input.projectId)
      .select('id', 'topup_max')
      .first()
    if (!project) throw new PlanRefusal('projectNotFound')
    // A plan costs no more than one top-up may bring in.
    if (input.priceFen > project.topupMax) throw new PlanRefusal('priceAboveCap')
  }

  #find(id: number, trx: TransactionClientContract) {
    return this.tenant.limitToProjects(this.tenant.query(Plan, trx)).where('id', id).firstOrFail()
  }

  #audit(action: string, row: Plan, before: unknown, trx: TransactionClientContract) {
    const change = { action, type: 'plan', row, before, after: row.serialize() }
    return this.audit.recordRowChange(this.tenant, trx, change)
  }
}

/** The columns of a plan: a 包月 has charges a day, a 次卡 charges in all, never both. */
function terms(input: PlanInput) {
  return {
    projectId: input.projectId,
    kind: input.kind,
    name: input.name,
    priceFen: input.priceFen,
    days: input.days,
    chargesPerDay: input.kind === 'monthly' ? (input.chargesPerDay ?? null) : null,
    charges: input.kind === 'count' ? (input.charges ?? null) : null,
    maxHours: input.maxHours,
    enabled: input.enabled,
  }
}
