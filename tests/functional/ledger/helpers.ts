import db from '@adonisjs/lucid/services/db'
import Project from '#models/project'
import Staff from '#models/staff'
import TenantContext from '#core/tenancy/tenant_context'
import AccessControlService from '#core/access/access_control_service'
import { PERMISSIONS, type BuiltinRoleKey } from '#core/access/permissions'
import WalletService from '#core/wallet/wallet_service'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession } from '#tests/helpers/login'

/*
| Helpers of the ledger and top-up tests: a tenant with two projects, staff
| with a role and optional project limits, and postings made as the admin.
| Written through the owner connection and committed, as the requests must
| see them.
*/

let sequence = 0

export async function ledgerFixture() {
  const base = await createTenantWithStaff()
  const projectB = await Project.create(
    {
      tenantId: base.tenant.id,
      code: `${base.project.code}_b`,
      name: `${base.project.name}B`,
      status: 'active',
    },
    { connection: 'owner' }
  )
  const asAdmin = new TenantContext(base.tenant.id, base.staff.id, null, new Set(PERMISSIONS), {
    actor: { staffId: base.staff.id, account: base.staff.account, name: base.staff.name },
    request: null,
  })
  const wallet = new WalletService()

  /** A logged-in session of a new staff member with `role`, limited to `projectIds` if given. */
  async function staffSession(role: BuiltinRoleKey, projectIds: number[] = []) {
    sequence += 1
    const staff = await Staff.create(
      {
        tenantId: base.tenant.id,
        account: `${base.staff.account}_${role}_${sequence}`,
        name: `${role}${sequence}`,
        password: 'secret-pass-1',
        status: 'active',
        mustChangePassword: false,
      },
      { connection: 'owner' }
    )
    const owner = db.connection('owner')
    await new AccessControlService().grantRole(
      base.tenant.id,
      staff.id,
      base.roles.get(role)!.id,
      owner
    )
    for (const projectId of projectIds) {
      await owner
        .table('staff_projects')
        .insert({ tenant_id: base.tenant.id, staff_id: staff.id, project_id: projectId })
    }
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password: 'secret-pass-1' })
    return { staff, browser }
  }

  async function adminSession() {
    const browser = new BrowserSession()
    await browser.login({ account: base.staff.account, password: base.password })
    return browser
  }

  function topUp(riderId: number, projectId: number, realAmount: number, bonusAmount?: number) {
    sequence += 1
    return wallet.topUpCash(asAdmin, {
      riderId,
      projectId,
      realAmount,
      bonusAmount,
      idempotencyKey: `test:${process.pid}:${sequence}`,
    })
  }

  return {
    ...base,
    projectA: base.project,
    projectB,
    asAdmin,
    asSystem: TenantContext.forJob(base.tenant.id),
    wallet,
    staffSession,
    adminSession,
    topUp,
  }
}
