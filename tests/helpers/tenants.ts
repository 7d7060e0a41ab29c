import Tenant from '#models/tenant'
import Project from '#models/project'
import Staff from '#models/staff'
import db from '@adonisjs/lucid/services/db'
import AccessControlService from '#core/access/access_control_service'
import type { BuiltinRoleKey } from '#core/access/permissions'

const OWNER = { connection: 'owner' }
let sequence = 0

/**
 * A tenant with one project and one active staff member, for tests. Written
 * through the owner connection (as the platform would), so the rows are
 * committed and visible to the app role's requests.
 */
export async function createTenantWithStaff(
  options: {
    password?: string
    tenantStatus?: 'active' | 'suspended'
    roles?: BuiltinRoleKey[]
  } = {}
) {
  sequence += 1
  const suffix = `${process.pid}_${sequence}`
  const tenant = await Tenant.create(
    {
      code: `t_${suffix}`,
      name: `测试运营商${suffix}`,
      status: options.tenantStatus ?? 'active',
    },
    OWNER
  )
  const project = await Project.create(
    {
      tenantId: tenant.id,
      code: `p_${suffix}`,
      name: `测试项目${suffix}`,
      status: 'active',
    },
    OWNER
  )
  const password = options.password ?? 'secret-pass-1'
  const staff = await Staff.create(
    {
      tenantId: tenant.id,
      account: `staff_${suffix}`,
      name: `测试员${sequence}`,
      password,
      status: 'active',
      mustChangePassword: false,
    },
    OWNER
  )
  const owner = db.connection('owner')
  const access = new AccessControlService()
  const roles = await access.installBuiltinRoles(tenant.id, owner)
  for (const key of options.roles ?? ['super_admin']) {
    await access.grantRole(tenant.id, staff.id, roles.get(key)!.id, owner)
  }
  return { tenant, project, staff, password, roles }
}
