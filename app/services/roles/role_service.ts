import { inject } from '@adonisjs/core'
import DomainRefusal from '#exceptions/domain_refusal'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Role from '#models/role'
import TenantContext from '#services/tenancy/tenant_context'
import type { RoleInput } from '#validators/role_validator'
import AuditService from '#services/audit/audit_service'

export class RoleChangeRefused extends DomainRefusal<'builtinRole' | 'roleInUse'> {
  constructor(reason: RoleChangeRefused['reason']) {
    super('roles', reason)
  }
}

/** A tenant's roles (权限 → 角色权限): the built-in ones are fixed, own ones editable. */
@inject()
export default class RoleService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
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
    return this.tenant.run(async (trx) => {
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
    return this.tenant.run(async (trx) => {
      const role = await this.#findOwn(id, trx)
      const before = { name: role.name, permissions: await this.#permissionsOf(role.id, trx) }
      role.name = input.name
      await role.save()
      await this.#setPermissions(role, input.permissions, trx)
      await this.#audit('roles.update', role.id, before, input, trx)
      return role
    })
  }

  delete(id: number) {
    return this.tenant.run(async (trx) => {
      const role = await this.#findOwn(id, trx)
      const holder = await trx.from('staff_roles').where('role_id', role.id).first()
      if (holder) throw new RoleChangeRefused('roleInUse')
      const before = { name: role.name, permissions: await this.#permissionsOf(role.id, trx) }
      await role.delete()
      await this.#audit('roles.delete', role.id, before, null, trx)
    })
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
