import { BaseSeeder } from '@adonisjs/lucid/seeders'
import Tenant from '#models/tenant'
import Project from '#models/project'
import Staff from '#models/staff'
import PlatformAdmin from '#models/platform_admin'
import { DEMO_PLATFORM_LOGIN, DEMO_TENANTS } from '#database/demo_logins'
import AccessControlService from '#core/access/access_control_service'

/**
 * The demo tenants of database/demo_logins.ts. Safe to run again: rows are
 * matched by their codes and accounts.
 */
export default class MainSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    // Seeding spans tenants: one transaction as the owner (`db:seed --connection=owner`).
    await this.client.transaction(async (trx) => {
      const options = { client: trx }
      const access = new AccessControlService()

      for (const demo of DEMO_TENANTS) {
        const tenant = await Tenant.updateOrCreate(
          { code: demo.code },
          { name: demo.name, status: 'active' },
          options
        )
        await Project.updateOrCreateMany(
          ['tenantId', 'code'],
          demo.projects.map((project) => ({
            ...project,
            tenantId: tenant.id,
            status: 'active' as const,
          })),
          options
        )
        const roles = await access.installBuiltinRoles(tenant.id, trx)

        for (const login of demo.staff) {
          let staff = await Staff.findBy('account', login.account, options)
          if (!staff) {
            staff = await Staff.create(
              {
                tenantId: tenant.id,
                account: login.account,
                name: login.name,
                password: login.password,
                status: 'active',
                mustChangePassword: false,
              },
              options
            )
          }
          await access.grantRole(tenant.id, staff.id, roles.get(login.role)!.id, trx)
        }
      }

      if (!(await PlatformAdmin.findBy('account', DEMO_PLATFORM_LOGIN.account, options))) {
        await PlatformAdmin.create({ ...DEMO_PLATFORM_LOGIN, status: 'active' }, options)
      }
    })
  }
}
