import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import TopupPackage from '#models/topup_package'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import TopupRefusal from '#services/riders/topup_refusal'
import { manageableProjects, projectOptions } from '#services/settings/project_choice'

/** A top-up package as the 充值套餐 page sends it; amounts in fen. */
export interface TopupPackageInput {
  projectId: number
  amount: number
  bonus: number
  sortOrder: number
  enabled: boolean
}

/** Top-up packages (配置 → 充值套餐), per project; staff limited to projects manage only theirs. */
@inject()
export default class TopupPackageService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  list() {
    return this.tenant.run(async (trx) => ({
      packages: await this.tenant
        .limitToProjects(this.tenant.query(TopupPackage, trx))
        .orderBy('project_id')
        .orderBy('sort_order')
        .orderBy('id'),
      projects: await projectOptions(this.tenant, trx),
    }))
  }

  create(input: TopupPackageInput) {
    return this.tenant.run(async (trx) => {
      await this.#checkProject(input.projectId, trx)
      const topupPackage = await TopupPackage.create(
        { ...input, tenantId: this.tenant.tenantId },
        { client: trx }
      )
      await this.#audit('topup_packages.create', topupPackage, null, trx)
      return topupPackage
    })
  }

  update(id: number, input: TopupPackageInput) {
    return this.tenant.run(async (trx) => {
      const topupPackage = await this.#find(id, trx)
      await this.#checkProject(input.projectId, trx)
      const before = topupPackage.serialize()
      topupPackage.merge(input)
      await topupPackage.save()
      await this.#audit('topup_packages.update', topupPackage, before, trx)
      return topupPackage
    })
  }

  destroy(id: number) {
    return this.tenant.run(async (trx) => {
      const topupPackage = await this.#find(id, trx)
      const before = topupPackage.serialize()
      await topupPackage.delete()
      await this.#audit('topup_packages.delete', topupPackage, before, trx)
    })
  }

  async #checkProject(projectId: number, trx: TransactionClientContract) {
    const project = await manageableProjects(this.tenant, trx).where('id', projectId).first()
    if (!project) throw new TopupRefusal('projectNotFound')
  }

  #find(id: number, trx: TransactionClientContract) {
    return this.tenant
      .limitToProjects(this.tenant.query(TopupPackage, trx))
      .where('id', id)
      .firstOrFail()
  }

  #audit(action: string, row: TopupPackage, before: unknown, trx: TransactionClientContract) {
    const after = action.endsWith('.delete') ? null : row.serialize()
    return this.audit.recordRowChange(this.tenant, trx, {
      action,
      type: 'topup_package',
      row,
      before,
      after,
    })
  }
}
