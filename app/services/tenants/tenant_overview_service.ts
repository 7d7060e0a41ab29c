import Tenant from '#models/tenant'
import Staff from '#models/staff'
import HeartbeatService from '#services/system/heartbeat_service'

/** What the home page shows about the signed-in staff member's tenant. */
export default class TenantOverviewService {
  async forTenant(tenantId: number) {
    const tenant = await Tenant.query()
      .where('id', tenantId)
      .preload('projects', (query) => query.orderBy('id'))
      .firstOrFail()
    const [{ $extras: counts }] = await Staff.query()
      .where('tenant_id', tenantId)
      .count('* as total')
    const beats = await new HeartbeatService().lastBeats()

    return {
      tenant: { name: tenant.name, code: tenant.code },
      projects: tenant.projects.map((project) => ({ id: project.id, name: project.name })),
      staffCount: Number(counts.total),
      processes: beats.map((beat) => ({
        role: beat.role as string,
        beatAt: new Date(beat.beat_at).toISOString(),
      })),
    }
  }
}
