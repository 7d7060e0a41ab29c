import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import Tenant from '#models/tenant'
import AccessControlService from '#core/access/access_control_service'
import { BrowserSession } from '#tests/helpers/login'

export const PASSWORD = 'grants-pass-1'
const OWNER = () => db.connection('owner')
let sequence = 0
let passwordHash: string | null = null

/** The staff of a grants fixture: the actors, a peer of each, a super admin and a lesser clerk. */
export const MEMBERS = {
  boss: { role: 'super_admin', projects: 'all' },
  super: { role: 'super_admin', projects: 'all' },
  superPeer: { role: 'super_admin', projects: 'all' },
  allAdmin: { role: '管理员', projects: 'all' },
  allAdminPeer: { role: '管理员', projects: 'all' },
  hr: { role: '人事', projects: 'A' },
  hrPeer: { role: '人事', projects: 'A' },
  rolesOnly: { role: '角色管理', projects: 'all' },
  rolesOnlyPeer: { role: '角色管理', projects: 'all' },
  lesser: { role: '访客', projects: 'A' },
  outsider: { role: '访客', projects: 'B' },
} as const
export type Member = keyof typeof MEMBERS

/** Custom roles of the fixture (the built-in ones come with the tenant). */
const CUSTOM_ROLES: Record<string, string[]> = {
  管理员: ['staff.manage', 'riders.view'],
  人事: ['staff.manage'],
  角色管理: ['roles.manage'],
  访客: [],
  财务报表: ['finance.view'],
}

export interface GrantsFixture {
  tenantId: number
  projectA: number
  projectB: number
  roles: Record<string, number>
  staff: Record<Member, { id: number; account: string }>
}

/**
 * A tenant with two projects (A, B), the built-in and custom roles above,
 * and one staff member per entry of MEMBERS, committed through the owner
 * connection as the platform would write them.
 */
export async function grantsFixture(): Promise<GrantsFixture> {
  sequence += 1
  const suffix = `${process.pid}_${sequence}_${Date.now()}`
  passwordHash ??= await hash.make(PASSWORD)
  const owner = OWNER()
  const tenant = await Tenant.create(
    { code: `g_${suffix}`, name: `授权测试${suffix}`, status: 'active' },
    { connection: 'owner' }
  )
  const now = new Date()
  const [projectA, projectB] = await owner
    .table('projects')
    .multiInsert(
      ['A', 'B'].map((code) => ({
        tenant_id: tenant.id,
        code: `${code}_${suffix}`,
        name: `项目${code}`,
        status: 'active',
        created_at: now,
        updated_at: now,
      }))
    )
    .returning('id')
  const roles: Record<string, number> = {}
  const builtin = await new AccessControlService().installBuiltinRoles(tenant.id, owner)
  for (const [key, role] of builtin) roles[key] = role.id
  for (const [name, permissions] of Object.entries(CUSTOM_ROLES)) {
    const [role] = await owner
      .table('roles')
      .insert({ tenant_id: tenant.id, name, created_at: now, updated_at: now })
      .returning('id')
    roles[name] = Number(role.id)
    if (permissions.length) {
      await owner.table('role_permissions').multiInsert(
        permissions.map((permission) => ({
          tenant_id: tenant.id,
          role_id: role.id,
          permission,
        }))
      )
    }
  }
  const staff = {} as GrantsFixture['staff']
  for (const [member, { role, projects }] of Object.entries(MEMBERS)) {
    const account = `${member}_${suffix}`
    const [row] = await owner
      .table('staff')
      .insert({
        tenant_id: tenant.id,
        account,
        name: member,
        password: passwordHash,
        status: 'active',
        must_change_password: false,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
    const id = Number(row.id)
    staff[member as Member] = { id, account }
    await owner
      .table('staff_roles')
      .insert({ tenant_id: tenant.id, staff_id: id, role_id: roles[role] })
    if (projects !== 'all') {
      await owner.table('staff_projects').insert({
        tenant_id: tenant.id,
        staff_id: id,
        project_id: projects === 'A' ? projectA.id : projectB.id,
      })
    }
  }
  return {
    tenantId: tenant.id,
    projectA: Number(projectA.id),
    projectB: Number(projectB.id),
    roles,
    staff,
  }
}

/** A signed-in browser session of one fixture member. */
export async function sessionOf(fixture: GrantsFixture, member: Member) {
  const browser = new BrowserSession()
  const response = await browser.login({
    account: fixture.staff[member].account,
    password: PASSWORD,
  })
  if (response.location !== '/') throw new Error(`${member} did not sign in: ${response.location}`)
  return browser
}

/**
 * Everything a grant could change in a tenant: staff (password hash
 * included), their roles, projects and SSO identities, roles and their
 * permissions. Equal before and after means nothing changed.
 */
export async function tenantState(tenantId: number) {
  const owner = OWNER()
  const rows = (table: string, columns: string[], order: string[]) =>
    owner.from(table).where('tenant_id', tenantId).select(columns).orderBy(order)
  return {
    staff: await rows(
      'staff',
      ['id', 'name', 'status', 'password', 'must_change_password'],
      ['id']
    ),
    staffRoles: await rows('staff_roles', ['staff_id', 'role_id'], ['staff_id', 'role_id']),
    staffProjects: await rows(
      'staff_projects',
      ['staff_id', 'project_id'],
      ['staff_id', 'project_id']
    ),
    identities: await rows(
      'staff_identities',
      ['staff_id', 'provider', 'external_id'],
      ['staff_id', 'provider']
    ),
    roles: await rows('roles', ['id', 'name'], ['id']),
    rolePermissions: await rows(
      'role_permissions',
      ['role_id', 'permission'],
      ['role_id', 'permission']
    ),
  }
}

/** The refused attempts the tenant's audit chain holds. */
export async function refusals(tenantId: number) {
  return OWNER()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .where('result', 'failure')
    .select('action', 'staff_id', 'target_type', 'target_id', 'reason')
    .orderBy('chain_seq')
}
