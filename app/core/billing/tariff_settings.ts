import { inject } from '@adonisjs/core'
import AuditService from '#core/audit/audit_service'
import TariffRefusal from '#core/billing/tariff_refusal'
import { DEFAULT_TARIFF, computeCharge, divideHalfUp, type Tariff } from '#core/billing/tariff'
import TenantContext from '#core/tenancy/tenant_context'

// Type alias, not an interface: Inertia props must be plain JSON types.
export type TariffVersion = {
  id: number
  version: number
  rules: Tariff
  createdBy: string | null
  /** ISO, UTC. */
  createdAt: string
}

/**
 * 配置 → 计费: a project's tariff in force (its newest version, or the
 * default before anyone saved one) and its history. Saving inserts the next
 * version and never edits an old one: orders keep the version they copied.
 */
@inject()
export default class TariffSettings {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** Versions of one project, newest first (the first is in force). */
  history(projectId: number) {
    return this.tenant.run(async (trx) => {
      if (!this.tenant.canSeeProject(projectId)) throw new TariffRefusal('projectNotFound')
      const rows = await trx
        .from('tariffs as t')
        .leftJoin('staff as s', 's.id', 't.created_by_staff_id')
        .where({ 't.tenant_id': this.tenant.tenantId, 't.project_id': projectId })
        .orderBy('t.version', 'desc')
        .limit(100)
        .select('t.*', 's.name as staff_name')
      return rows.map((row): TariffVersion => ({
        id: Number(row.id),
        version: row.version,
        rules: row.rules,
        createdBy: row.staff_name,
        createdAt: new Date(row.created_at).toISOString(),
      }))
    })
  }

  /** What an unconfigured project charges. */
  defaults(): Tariff {
    return DEFAULT_TARIFF
  }

  save(projectId: number, rules: Tariff) {
    return this.tenant.run(async (trx) => {
      // The project row serialises two saves: each gets its own next version.
      const project = await this.tenant
        .limitToProjects(
          trx.from('projects').where({ tenant_id: this.tenant.tenantId, id: projectId }),
          'id'
        )
        .forUpdate()
        .first()
      if (!project) throw new TariffRefusal('projectNotFound')
      const previous = await trx
        .from('tariffs')
        .where({ tenant_id: this.tenant.tenantId, project_id: projectId })
        .orderBy('version', 'desc')
        .first()
      const version = (previous?.version ?? 0) + 1
      const [row] = await trx
        .knexQuery()
        .table('tariffs')
        .insert({
          tenant_id: this.tenant.tenantId,
          project_id: projectId,
          version,
          rules: JSON.stringify(rules),
          created_by_staff_id: this.tenant.staffId,
          created_at: new Date(),
        })
        .returning('id')
      await this.audit.recordInContext(
        this.tenant,
        {
          action: 'tariffs.save',
          projectId,
          target: { type: 'tariff', id: Number(row.id) },
          before: previous ? { version: previous.version, rules: previous.rules } : null,
          after: { version, rules },
        },
        trx
      )
      return { id: Number(row.id), version }
    })
  }

  /** 充电 N 小时 W 瓦: the bill as the tariff would compute it (energy from power × time). */
  preview(rules: Tariff, charge: { seconds: number; watts: number }) {
    return computeCharge(rules, {
      durationSeconds: charge.seconds,
      energyWattHours: divideHalfUp(charge.watts * charge.seconds, 3600),
      maxPowerDeciwatts: charge.watts * 10,
    })
  }
}
