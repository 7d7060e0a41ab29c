import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import Role from '#models/role'
import {
  BUILTIN_ROLES,
  BUILTIN_ROLE_KEYS,
  isPermission,
  type BuiltinRoleKey,
  type Permission,
} from '#core/access/permissions'

/** Roles and permissions of a tenant's staff. */
export default class AccessControlService {
  /** Creates (or completes) the built-in roles of a tenant. Safe to run again. */
  async installBuiltinRoles(tenantId: number, client: QueryClientContract) {
    const roles = new Map<BuiltinRoleKey, Role>()
    for (const key of BUILTIN_ROLE_KEYS) {
      const role = await Role.firstOrCreate(
        { tenantId, builtinKey: key },
        { tenantId, builtinKey: key, name: BUILTIN_ROLES[key].name },
        { client }
      )
      await client
        .insertQuery()
        .table('role_permissions')
        .multiInsert(
          BUILTIN_ROLES[key].permissions.map((permission) => ({
            tenant_id: tenantId,
            role_id: role.id,
            permission,
          }))
        )
        .knexQuery.onConflict(['role_id', 'permission'])
        .ignore()
      roles.set(key, role)
    }
    return roles
  }

  async grantRole(tenantId: number, staffId: number, roleId: number, client: QueryClientContract) {
    await client
      .insertQuery()
      .table('staff_roles')
      .insert({ tenant_id: tenantId, staff_id: staffId, role_id: roleId })
      .knexQuery.onConflict(['staff_id', 'role_id'])
      .ignore()
  }

  /** The permissions a staff member holds through all their roles. */
  async permissionsOf(staffId: number, client: QueryClientContract): Promise<Set<Permission>> {
    const rows = await client
      .from('role_permissions')
      .join('staff_roles', 'staff_roles.role_id', 'role_permissions.role_id')
      .where('staff_roles.staff_id', staffId)
      .distinct('role_permissions.permission')
    return new Set(rows.map((row) => row.permission).filter(isPermission))
  }
}
