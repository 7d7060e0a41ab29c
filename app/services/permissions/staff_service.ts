import { inject } from '@adonisjs/core'
import DomainRefusal from '#exceptions/domain_refusal'
import hash from '@adonisjs/core/services/hash'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Staff from '#models/staff'
import Role from '#models/role'
import Project from '#models/project'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService from '#core/audit/audit_service'
import GrantGuard, { GrantRefused, type GrantAttempt } from '#services/permissions/grant_guard'
import { covers, narrows, sameIds } from '#services/permissions/grant_rules'
import StaffSessions, { type KeptSession } from '#services/auth/staff_sessions'

/** A staff member's name, roles and projects (empty: every project), as the 管理员 form sends them. */
export interface UpdateStaffInput {
  name: string
  roleIds: number[]
  projectIds: number[]
}
/** A new staff member: the account (unique on the platform) and a password that passed the policy. */
export interface CreateStaffInput extends UpdateStaffInput {
  account: string
  password: string
}

/** A refused staff change; the reason is an i18n key under `staff.` */
class StaffChangeRefused extends DomainRefusal<
  'unknownRole' | 'unknownProject' | 'notYourself' | 'wrongPassword'
> {
  constructor(reason: StaffChangeRefused['reason']) {
    super('staff', reason)
  }
}

/** Role and project ids as a form gives them; no projects means all of them. */
type Assignment = { roleIds: number[]; projectIds: number[] }

/**
 * A tenant's staff accounts (权限 → 管理员). Nobody grants more than they
 * hold (GrantGuard): roles and projects given lie within the actor's own,
 * and changes to a staff member need the actor's rights to cover theirs.
 * When trust ends (a password reset, an account disabled, a role or
 * project taken away) their sessions end with the change.
 */
@inject()
export default class StaffService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected grants: GrantGuard,
    protected sessions: StaffSessions
  ) {}

  list() {
    return this.tenant.run(async (trx) => {
      const staff = await this.tenant.query(Staff, trx).orderBy('id')
      const roles = await trx.from('staff_roles').select('staff_id', 'role_id')
      const projects = await trx.from('staff_projects').select('staff_id', 'project_id')
      const actor = this.grants.actorRights(this.tenant)
      const permissions = await trx
        .from('role_permissions')
        .join('staff_roles', 'staff_roles.role_id', 'role_permissions.role_id')
        .select('staff_roles.staff_id', 'role_permissions.permission')
      return staff.map((member) => {
        const roleIds = roles
          .filter((row) => row.staff_id === member.id)
          .map((row) => Number(row.role_id))
        const projectIds = projects
          .filter((row) => row.staff_id === member.id)
          .map((row) => Number(row.project_id))
        const held = new Set(
          permissions
            .filter((row) => row.staff_id === member.id)
            .map((row) => String(row.permission))
        )
        return {
          id: member.id,
          account: member.account,
          name: member.name,
          status: member.status,
          mustChangePassword: member.mustChangePassword,
          lastLoginAt: member.lastLoginAt?.toISO() ?? null,
          roleIds,
          projectIds,
          self: member.id === this.tenant.staffId,
          // Whether this actor may edit, disable or reset them: the page offers only that.
          manageable:
            member.id !== this.tenant.staffId &&
            covers(actor, { permissions: held, projectIds: projectIds.length ? projectIds : null }),
        }
      })
    })
  }

  create(input: CreateStaffInput) {
    return this.grants.run(this.tenant, async (trx) => {
      await this.#assertOwnRolesAndProjects(input, trx)
      await this.#assertGrantable(input, { action: 'staff.create', target: null }, trx)
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
    return this.grants.run(this.tenant, async (trx) => {
      const staff = await this.#find(id, trx)
      await this.#assertOwnRolesAndProjects(input, trx)
      const before = await this.#snapshot(staff.id, trx)
      const attempt: GrantAttempt = { action: 'staff.update', target: { type: 'staff', id } }
      const current = { roleIds: before.roleIds, projectIds: before.projectIds }
      if (staff.id === this.tenant.staffId) {
        // One's own name, yes; one's own roles and project limits, never.
        if (!this.#sameAssignment(current, input)) throw new GrantRefused('ownRightsFixed', attempt)
      } else {
        await this.grants.assertCovers(this.tenant, staff.id, attempt, trx)
        await this.#assertGrantable(input, attempt, trx)
      }
      staff.name = input.name
      await staff.save()
      await this.#assign(staff.id, input, trx)
      const after = await this.#snapshot(staff.id, trx)
      if (narrows(this.#limits(current), this.#limits(input))) {
        await this.sessions.endAll([staff.id], trx)
      }
      await this.#audit('staff.update', staff.id, before, after, trx)
      return staff
    })
  }

  setStatus(id: number, status: 'active' | 'disabled') {
    if (id === this.tenant.staffId) throw new StaffChangeRefused('notYourself')
    const action = `staff.${status === 'active' ? 'enable' : 'disable'}`
    return this.grants.run(this.tenant, async (trx) => {
      const staff = await this.#find(id, trx)
      await this.grants.assertCovers(
        this.tenant,
        staff.id,
        { action, target: { type: 'staff', id } },
        trx
      )
      const before = { status: staff.status }
      staff.status = status
      await staff.save()
      if (status === 'disabled') await this.sessions.endAll([staff.id], trx)
      await this.#audit(action, staff.id, before, { status }, trx)
      return staff
    })
  }

  /**
   * An admin sets a new password; the staff member must change it at next
   * login, and every session of theirs ends now. Not one's own: that needs
   * the current password (changeOwnPassword).
   */
  resetPassword(id: number, password: string) {
    const attempt: GrantAttempt = { action: 'staff.reset_password', target: { type: 'staff', id } }
    return this.grants.run(this.tenant, async (trx) => {
      const staff = await this.#find(id, trx)
      if (staff.id === this.tenant.staffId) throw new GrantRefused('notYourself', attempt)
      await this.grants.assertCovers(this.tenant, staff.id, attempt, trx)
      staff.password = password
      staff.mustChangePassword = true
      await staff.save()
      await this.sessions.endAll([staff.id], trx)
      await this.#audit('staff.reset_password', staff.id, null, { mustChangePassword: true }, trx)
      return staff
    })
  }

  /** A new password of one's own ends one's other sessions and remember-me tokens. */
  changeOwnPassword(currentPassword: string, password: string, keep: KeptSession) {
    return this.tenant.run(async (trx) => {
      const staff = await this.#find(this.tenant.staffId!, trx)
      if (!(await hash.verify(staff.password, currentPassword))) {
        throw new StaffChangeRefused('wrongPassword')
      }
      staff.password = password
      staff.mustChangePassword = false
      await staff.save()
      await this.sessions.endAll([staff.id], trx, keep)
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
      roleIds: roles.map((row) => Number(row.role_id)),
      projectIds: projects.map((row) => Number(row.project_id)),
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

  /**
   * Roles given must each hold only permissions the actor holds; projects
   * must lie within the actor's (none given means all projects).
   */
  async #assertGrantable(input: Assignment, attempt: GrantAttempt, trx: TransactionClientContract) {
    const permissions = await this.grants.permissionsOfRoles([...new Set(input.roleIds)], trx)
    this.grants.assertHoldsPermissions(this.tenant, permissions, attempt, 'rolesBeyondOwn')
    this.grants.assertHoldsProjects(this.tenant, this.#limits(input).projectIds, attempt)
  }

  /** Roles and projects with "no projects" read as null: all of them. */
  #limits(assignment: { roleIds: number[]; projectIds: number[] }) {
    return {
      roleIds: assignment.roleIds,
      projectIds: assignment.projectIds.length ? assignment.projectIds : null,
    }
  }

  #sameAssignment(a: Assignment, b: Assignment) {
    const left = this.#limits(a)
    const right = this.#limits(b)
    return sameIds(left.roleIds, right.roleIds) && sameIds(left.projectIds, right.projectIds)
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
