import { BaseSeeder } from '@adonisjs/lucid/seeders'
import Project from '#models/project'
import Tenant from '#models/tenant'
import TopupPackage from '#models/topup_package'
import { DEMO_TENANTS } from '#database/demo_logins'

/**
 * The 2021 manual's top-up packages (0.01, 20, 50, 50 送 1, 100, 100 送 N,
 * 200, 500 元; the screenshot hides N, 5 is our guess) for each demo project
 * that has none yet. Runs after main_seeder (seeders run in name order).
 */
const MANUAL_PACKAGES = [
  [1, 0],
  [2000, 0],
  [5000, 0],
  [5000, 100],
  [10000, 0],
  [10000, 500],
  [20000, 0],
  [50000, 0],
] as const

export default class TopupPackageSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    await this.client.transaction(async (trx) => {
      const options = { client: trx }
      for (const demo of DEMO_TENANTS) {
        const tenant = await Tenant.findByOrFail('code', demo.code, options)
        const projects = await Project.query(options).where('tenant_id', tenant.id)
        for (const project of projects) {
          const existing = await TopupPackage.query(options).where('project_id', project.id).first()
          if (existing) continue
          await TopupPackage.createMany(
            MANUAL_PACKAGES.map(([amount, bonus], index) => ({
              tenantId: tenant.id,
              projectId: project.id,
              amount,
              bonus,
              sortOrder: (index + 1) * 10,
              enabled: true,
            })),
            options
          )
        }
      }
    })
  }
}
