import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Project from '#models/project'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService from '#core/audit/audit_service'

/** A project as the 项目管理 form sends it; the card fee (工本费) in fen, 0 or absent: free. */
export interface ProjectInput {
  code: string
  name: string
  cardFee?: number
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
    return this.tenant.run((trx) =>
      Project.create(
        { ...input, tenantId: this.tenant.tenantId, status: 'active' },
        { client: trx }
      )
    )
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
