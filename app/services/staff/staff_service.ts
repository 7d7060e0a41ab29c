import { inject } from '@adonisjs/core'
import DomainRefusal from '#exceptions/domain_refusal'
import hash from '@adonisjs/core/services/hash'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Staff from '#models/staff'
import Role from '#models/role'
import Project from '#models/project'
import TenantContext from '#services/tenancy/tenant_context'
import type { CreateStaffInput, UpdateStaffInput } from '#validators/staff_validator'
import AuditService from '#services/audit/audit_service'

/** A refused staff change; the reason is an i18n key under `staff.` */
export class StaffChangeRefused extends DomainRefusal<
  'unknownRole' | 'unknownProject' | 'notYourself' | 'wrongPassword'
> {
  constructor(reason: StaffChangeRefused['reason']) {
    super('staff', reason)
  }
}

/** A tenant's staff accounts (权限 → 管理员). */
@inject()
export default class StaffService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  list() {
    return this.tenant.run(async (trx) => {
      const staff = await this.tenant.query(Staff, trx).orderBy('id')
      const roles = await trx.from('staff_roles').select('staff_id', 'role_id')
      const projects = await trx.from('staff_projects').select('staff_id', 'project_id')
      return staff.map((member) => ({
        id: member.id,
        account: member.account,
        name: member.name,
        status: member.status,
        mustChangePassword: member.mustChangePassword,
        lastLoginAt: member.lastLoginAt?.toISO() ?? null,
        roleIds: roles
          .filter((row) => row.staff_id === member.id)
          .map((row) => Number(row.role_id)),
        projectIds: projects
          .filter((row) => row.staff_id === member.id)
          .map((row) => Number(row.project_id)),
      }))
    })
  }

  create(input: CreateStaffInput) {
    return this.tenant.run(async (trx) => {
      await this.#assertOwnRolesAndProjects(input, trx)
      const staff = await Staff.create(
        {
          tenantId: this.tenant.tenantId,
          account: input.account,
          name: input.name,
          password: input.password,
          status: 'active',
          mustChangePassword: true,
        },
        { client: trx }
      )
      await this.#assign(staff.id, input, trx)
      await this.#audit('staff.create', staff.id, null, await this.#snapshot(staff.id, trx), trx)
      return staff
    })
  }

  update(id: number, input: UpdateStaffInput) {
    return this.tenant.run(async (trx) => {
      const staff = await this.#find(id, trx)
      await this.#assertOwnRolesAndProjects(input, trx)
      const before = await this.#snapshot(staff.id, trx)
      staff.name = input.name
      await staff.save()
      await this.#assign(staff.id, input, trx)
      await this.#audit('staff.update', staff.id, before, await this.#snapshot(staff.id, trx), trx)
      return staff
    })
  }

  setStatus(id: number, status: 'active' | 'disabled') {
    if (id === this.tenant.staffId) throw new StaffChangeRefused('notYourself')
    return this.tenant.run(async (trx) => {
      const staff = await this.#find(id, trx)
      const before = { status: staff.status }
      staff.status = status
      await staff.save()
      await this.#audit(
        `staff.${status === 'active' ? 'enable' : 'disable'}`,
        staff.id,
        before,
        { status },
        trx
      )
      return staff
    })
  }

  /** An admin sets a new password; the staff member must change it at next login. */
  resetPassword(id: number, password: string) {
    return this.tenant.run(async (trx) => {
      const staff = await this.#find(id, trx)
      staff.password = password
      staff.mustChangePassword = true
      await staff.save()
      await this.#audit('staff.reset_password', staff.id, null, { mustChangePassword: true }, trx)
      return staff
    })
  }

  changeOwnPassword(currentPassword: string, password: string) {
    return this.tenant.run(async (trx) => {
      const staff = await this.#find(this.tenant.staffId!, trx)
      if (!(await hash.verify(staff.password, currentPassword))) {
        throw new StaffChangeRefused('wrongPassword')
      }
      staff.password = password
      staff.mustChangePassword = false
      await staff.save()
      await this.#audit('staff.change_own_password', staff.id, null, null, trx)
      return staff
    })
  }

  /** What an audit record shows of a staff member: no password, ever. */
  async #snapshot(staffId: number, trx: TransactionClientContract) {
    const staff = await this.#find(staffId, trx)
    const roles = await trx.from('staff_roles').where('staff_id', staffId).select('role_id')
    const projects = await trx
      .from('staff_projects')
      .where('staff_id', staffId)
      .select('project_id')
    return {
      account: staff.account,
      name: staff.name,
      status: staff.status,
      roleIds: roles.map((row) => row.role_id),
      projectIds: projects.map((row) => row.project_id),
    }
  }

  #audit(
    action: string,
    staffId: number,
    before: unknown,
    after: unknown,
    trx: TransactionClientContract
  ) {
    return this.audit.recordInContext(
      this.tenant,
      { action, target: { type: 'staff', id: staffId }, before, after },
      trx
    )
  }

  #find(id: number, trx: TransactionClientContract) {
    return this.tenant.query(Staff, trx).where('id', id).firstOrFail()
  }

  /** Role and project ids come from the form: each must be this tenant's. */
  async #assertOwnRolesAndProjects(
    input: { roleIds: number[]; projectIds: number[] },
    trx: TransactionClientContract
  ) {
    const roles = await this.tenant.query(Role, trx).whereIn('id', input.roleIds)
    if (roles.length !== new Set(input.roleIds).size) throw new StaffChangeRefused('unknownRole')
    const projects = await this.tenant.query(Project, trx).whereIn('id', input.projectIds)
    if (projects.length !== new Set(input.projectIds).size) {
      throw new StaffChangeRefused('unknownProject')
    }
  }

  async #assign(
    staffId: number,
    input: { roleIds: number[]; projectIds: number[] },
    trx: TransactionClientContract
  ) {
    const tenantId = this.tenant.tenantId
    await trx.from('staff_roles').where('staff_id', staffId).delete()
    await trx.from('staff_projects').where('staff_id', staffId).delete()
    const roleIds = [...new Set(input.roleIds)]
    const projectIds = [...new Set(input.projectIds)]
    if (roleIds.length) {
      await trx
        .table('staff_roles')
        .multiInsert(
          roleIds.map((roleId) => ({ tenant_id: tenantId, staff_id: staffId, role_id: roleId }))
        )
    }
    if (projectIds.length) {
      await trx.table('staff_projects').multiInsert(
        projectIds.map((projectId) => ({
          tenant_id: tenantId,
          staff_id: staffId,
          project_id: projectId,
        }))
      )
    }
  }
}
