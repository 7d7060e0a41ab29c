import { BaseSeeder } from '@adonisjs/lucid/seeders'
import Tenant from '#models/tenant'
import Project from '#models/project'
import Staff from '#models/staff'
import PlatformAdmin from '#models/platform_admin'
import { DEMO_LOGINS, DEMO_PLATFORM_LOGIN } from '#database/demo_logins'
import AccessControlService from '#services/access/access_control_service'

/**
 * The demo tenant: an operator running 正商集团's sites as a project, plus a
 * second project. Safe to run again: rows are matched by their codes.
 */
export default class MainSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    // Seeding spans tenants: it runs as the owner (`db:seed --connection=owner`).
    const options = { client: this.client }
    const tenant = await Tenant.updateOrCreate(
      { code: 'zxb' },
      { name: '河南正小伴网络技术有限公司', status: 'active' },
      options
    )

    await Project.updateOrCreateMany(
      ['tenantId', 'code'],
      [
        { tenantId: tenant.id, code: 'zhengshang', name: '正商集团', status: 'active' },
        { tenantId: tenant.id, code: 'kangqiao', name: '康桥社区', status: 'active' },
      ],
      options
    )

    const access = new AccessControlService()
    const roles = await access.installBuiltinRoles(tenant.id, this.client)

    for (const login of DEMO_LOGINS) {
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
      await access.grantRole(tenant.id, staff.id, roles.get(login.role)!.id, this.client)
    }

    if (!(await PlatformAdmin.findBy('account', DEMO_PLATFORM_LOGIN.account, options))) {
      await PlatformAdmin.create({ ...DEMO_PLATFORM_LOGIN, status: 'active' }, options)
    }
  }
}
