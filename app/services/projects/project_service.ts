import { inject } from '@adonisjs/core'
import Project from '#models/project'
import TenantContext from '#services/tenancy/tenant_context'
import type { ProjectInput } from '#validators/project_validator'

/** A tenant's projects (配置 → 项目管理). */
@inject()
export default class ProjectService {
  constructor(protected tenant: TenantContext) {}

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
      project.merge(input)
      await project.save()
      return project
    })
  }

  async #find(id: number, trx: Parameters<Parameters<TenantContext['run']>[0]>[0]) {
    return this.tenant
      .limitToProjects(this.tenant.query(Project, trx), 'id')
      .where('id', id)
      .firstOrFail()
  }
}
