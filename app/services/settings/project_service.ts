import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Project from '#models/project'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService from '#core/audit/audit_service'
import type { DeductionOrder } from '#core/wallet/deduction_order'

/**
 * A project as the 项目管理 form sends it; the card fee (工本费) in fen, 0 or
 * absent: free. The wallet rules (透支额度, 扣款顺序, 单次充值上限; fen) the
 * wallet reads at each posting; absent: unchanged.
 */
export interface ProjectInput {
  code: string
  name: string
  cardFee?: number
  overdraftLimit?: number
  deductionOrder?: DeductionOrder
  topupMax?: number
}

/** A tenant's projects (配置 → 项目管理). */
@inject()
export default class ProjectService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  list() {
    return this.tenant.run((trx) =>
      this.tenant.limitToProjects(this.tenant.query(Project, trx), 'id').orderBy('id')
    )
  }

  create(input: ProjectInput) {
    return this.tenant.run(async (trx) => {
      const project = await Project.create(
        { ...input, tenantId: this.tenant.tenantId, status: 'active' },
        { client: trx }
      )
      // Read back for the database's defaults of what the form left out.
      await project.refresh()
      await this.#audit('projects.create', project, null, trx)
      return project
    })
  }

  update(id: number, input: ProjectInput & { status?: 'active' | 'archived' }) {
    return this.tenant.run(async (trx) => {
      const project = await this.#find(id, trx)
      const before = project.serialize()
      project.merge(input)
      await project.save()
      await this.#audit('projects.update', project, before, trx)
      return project
    })
  }

  #audit(action: string, project: Project, before: unknown, trx: TransactionClientContract) {
    return this.audit.recordInContext(
      this.tenant,
      {
        action,
        projectId: project.id,
        target: { type: 'project', id: project.id },
        before,
        after: project.serialize(),
      },
      trx
    )
  }

  async #find(id: number, trx: TransactionClientContract) {
    return this.tenant
      .limitToProjects(this.tenant.query(Project, trx), 'id')
      .where('id', id)
      .firstOrFail()
  }
}
