import { BaseSeeder } from '@adonisjs/lucid/seeders'
import { PERMISSIONS } from '#core/access/permissions'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import type { RepairCategory } from '#models/repair_ticket'
import RiderRepairs from '#services/h5/rider_repairs'
import PortStatusService from '#services/operations/port_status_service'
import RepairTicketService from '#services/operations/repair_ticket_service'

const TENANT_CODE = 'zxb'

/** What the demo riders reported, and how far staff got: 待处理, 处理中, 已关闭. */
const REPORTS: {
  category: RepairCategory
  description: string | null
  progress: 'open' | 'assigned' | 'closed'
}[] = [
  { category: 'socket_damaged', description: '插座外壳裂了，插头插不稳', progress: 'open' },
  { category: 'no_charge', description: '扫码后显示开始，但电瓶车没反应', progress: 'assigned' },
  { category: 'slow_charge', description: null, progress: 'closed' },
]

/**
 * A few 报修 of the demo tenant zxb, as riders send them from the H5 and
 * staff handle them in 运维 → 报修工单, through the same services (so they
 * are audit-logged). Runs after the orders seeder (name order); a tenant
 * that already has tickets is left alone, so a second run changes nothing.
 */
export default class DemoRepairsSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    const tenant = await this.client.from('tenants').where('code', TENANT_CODE).first()
    if (!tenant) return
    const tenantId = Number(tenant.id)
    const seeded = await this.client.from('repair_tickets').where('tenant_id', tenantId).first()
    if (seeded) return
    const staff = await this.client
      .from('staff')
      .where({ tenant_id: tenantId, account: 'admin' })
      .first()
    const ports = await this.client
      .from('pile_ports as pp')
      .join('piles as p', 'p.id', 'pp.pile_id')
      .where({ 'p.tenant_id': tenantId, 'p.status': 'active' })
      .orderBy(['p.id', 'pp.port_no'])
      .limit(REPORTS.length)
      .select('p.id as pile_id', 'p.project_id', 'pp.port_no')
    const riders = await this.client
      .from('riders')
      .where({ tenant_id: tenantId, status: 'normal' })
      .orderBy('id')
      .limit(REPORTS.length)
      .select('id', 'name', 'phone')
    if (!staff || ports.length < REPORTS.length || riders.length < REPORTS.length) return

    const asStaff = new TenantContext(tenantId, Number(staff.id), null, new Set(PERMISSIONS), {
      actor: { staffId: Number(staff.id), account: staff.account, name: staff.name },
      request: null,
    })
    const audit = new AuditService()
    const handler = new RepairTicketService(asStaff, audit, new PortStatusService(asStaff, audit))
    for (const [index, { category, description, progress }] of REPORTS.entries()) {
      const port = ports[index]
      const rider = riders[index]
      const riderContext = new TenantContext(tenantId, null, null, new Set(), {
        actor: { staffId: null, account: rider.phone, name: rider.name },
        request: null,
      })
      const ticketId = await new RiderRepairs().report(
        riderContext,
        { tenantId, riderId: Number(rider.id), projectId: Number(port.project_id) },
        {
          tenantId,
          projectId: Number(port.project_id),
          pileId: Number(port.pile_id),
          portNo: Number(port.port_no),
        },
        { category, description }
      )
      if (progress === 'open') continue
      await handler.assign(ticketId, Number(staff.id))
      if (progress === 'closed') await handler.close(ticketId, '已检修端口线路，充电恢复正常')
    }
  }
}
