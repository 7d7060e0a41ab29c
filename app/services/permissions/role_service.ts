import { inject } from '@adonisjs/core'
import DomainRefusal from '#exceptions/domain_refusal'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Role from '#models/role'
import TenantContext from '#core/tenancy/tenant_context'
import type { Permission } from '#core/access/permissions'
import AuditService from '#core/audit/audit_service'
import GrantGuard, { type GrantAttempt } from '#services/permissions/grant_guard'

/** A role as the 角色 form sends it (validated by roleValidator). */
export interface RoleInput {
  name: string
  permissions: Permission[]
}

class RoleChangeRefused extends DomainRefusal<'builtinRole' | 'roleInUse'> {
  constructor(reason: RoleChangeRefused['reason']) {
    super('roles', reason)
  }
}

/**
 * A tenant's roles (权限 → 角色权限): the built-in ones are fixed, own ones
 * editable. A role holds only permissions its editor holds, before and after
 * the change, and a role in use changes only if the editor covers every
 * staff member holding it (GrantGuard).
 */
@inject()
export default class RoleService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected grants: GrantGuard
  ) {}

  list() {
    return this.tenant.run(async (trx) => {
      const roles = await this.tenant.query(Role, trx).orderBy('id')
      const permissions = await trx.from('role_permissions').select('role_id', 'permission')
      const holders = await trx
        .from('staff_roles')
        .select('role_id')
        .count('* as total')
        .groupBy('role_id')
      return roles.map((role) => ({
        id: role.id,
        name: role.name,
        builtin: role.builtinKey !== null,
        permissions: permissions
          .filter((row) => Number(row.role_id) === role.id)
          .map((row) => row.permission as string),
        staffCount: Number(holders.find((row) => Number(row.role_id) === role.id)?.total ?? 0),
      }))
    })
  }

  create(input: RoleInput) {
    return this.grants.run(this.tenant, async (trx) => {
      this.grants.assertHoldsPermissions(this.tenant, input.permissions, {
        action: 'roles.create',
        target: null,
      })
      const role = await Role.create(
        { tenantId: this.tenant.tenantId, name: input.name, builtinKey: null },
        { client: trx }
      )
      await this.#setPermissions(role, input.permissions, trx)
      await this.#audit('roles.create', role.id, null, input, trx)
      return role
    })
  }

  update(id: number, input: RoleInput) {
    return this.grants.run(this.tenant, async (trx) => {
      const role = await this.#findOwn(id, trx)
      const before = { name: role.name, permissions: await this.#permissionsOf(role.id, trx) }
      const attempt: GrantAttempt = { action: 'roles.update', target: { type: 'role', id } }
      this.grants.assertHoldsPermissions(this.tenant, before.permissions, attempt)
      this.grants.assertHoldsPermissions(this.tenant, input.permissions, attempt)
      role.name = input.name
      await role.save()
      await this.#setPermissions(role, input.permissions, trx)
      await this.#assertHoldersCovered(role.id, attempt, trx)
      await this.#audit('roles.update', role.id, before, input, trx)
      return role
    })
  }

  delete(id: number) {
    return this.grants.run(this.tenant, async (trx) => {
      const role = await this.#findOwn(id, trx)
      this.grants.assertHoldsPermissions(this.tenant, await this.#permissionsOf(role.id, trx), {
        action: 'roles.delete',
        target: { type: 'role', id },
      })
      const holder = await trx.from('staff_roles').where('role_id', role.id).first()
      if (holder) throw new RoleChangeRefused('roleInUse')
      const before = { name: role.name, permissions: await this.#permissionsOf(role.id, trx) }
      await role.delete()
      await this.#audit('roles.delete', role.id, before, null, trx)
    })
  }

  /**
   * Checked after the change, inside its transaction: every holder (the
   * editor aside, whose role gains only what they hold) must still be
   * someone the editor covers, or the change rolls back.
   */
  async #assertHoldersCovered(
    roleId: number,
    attempt: GrantAttempt,
    trx: TransactionClientContract
  ) {
    const holders = await trx.from('staff_roles').where('role_id', roleId).select('staff_id')
    for (const { staff_id: staffId } of holders) {
      if (Number(staffId) === this.tenant.staffId) continue
      await this.grants.assertCovers(this.tenant, Number(staffId), attempt, trx)
    }
  }

  async #permissionsOf(roleId: number, trx: TransactionClientContract) {
    const rows = await trx.from('role_permissions').where('role_id', roleId).select('permission')
    return rows.map((row) => row.permission as string)
  }

  #audit(
    action: string,
    roleId: number,
    before: unknown,
    after: unknown,
    trx: TransactionClientContract
  ) {
    return this.audit.recordInContext(
      this.tenant,
      { action, target: { type: 'role', id: roleId }, before, after },
      trx
    )
  }

  async #findOwn(id: number, trx: TransactionClientContract) {
    const role = await this.tenant.query(Role, trx).where('id', id).firstOrFail()
    if (role.builtinKey !== null) throw new RoleChangeRefused('builtinRole')
    return role
  }

  async #setPermissions(role: Role, permissions: string[], trx: TransactionClientContract) {
    await trx.from('role_permissions').where('role_id', role.id).delete()
    if (permissions.length) {
      await trx.table('role_permissions').multiInsert(
        permissions.map((permission) => ({
          tenant_id: this.tenant.tenantId,
          role_id: role.id,
          permission,
        }))
      )
    }
  }
}
