import { randomBytes } from 'node:crypto'
import { BaseSeeder } from '@adonisjs/lucid/seeders'
import Tenant from '#models/tenant'
import TenantPlugin from '#models/tenant_plugin'
import { DEMO_TENANTS } from '#database/demo_logins'

/**
 * The demo tenants pay through the sandbox gateway (plugins/payment-sandbox),
 * tenant-wide, so 立即充值 and 开卡 work out of the box. Kept if present.
 */
export default class PaymentSandboxSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    await this.client.transaction(async (trx) => {
      const options = { client: trx }
      for (const demo of DEMO_TENANTS) {
        const tenant = await Tenant.findByOrFail('code', demo.code, options)
        const existing = await TenantPlugin.query(options)
          .where({ tenant_id: tenant.id, plugin_id: 'payment-sandbox' })
          .whereNull('project_id')
          .first()
        if (existing) continue
        const setting = new TenantPlugin()
        setting.useTransaction(trx)
        setting.merge({
          tenantId: tenant.id,
          projectId: null,
          pluginId: 'payment-sandbox',
          kind: 'payment',
          settings: { merchantId: `demo-${demo.code}` },
          enabled: true,
        })
        setting.secrets = { signingKey: randomBytes(24).toString('hex') }
        await setting.save()
      }
    })
  }
}
