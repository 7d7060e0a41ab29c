import { inject } from '@adonisjs/core'
import Tenant from '#models/tenant'
import Project from '#models/project'
import Staff from '#models/staff'
import HeartbeatService from '#core/processes/heartbeat_service'
import TenantContext from '#core/tenancy/tenant_context'
import GatewayRoster from '#services/operations/gateway/gateway_roster'
import type { HomePageProps } from '#services/home/home_props'

/** What the home page shows about the signed-in staff member's tenant. */
@inject()
export default class TenantOverviewService {
  constructor(protected tenant: TenantContext) {}

  async show(): Promise<Omit<HomePageProps, 'today' | 'alerts'>> {
    const { tenant, projects, staffCount } = await this.tenant.run(async (trx) => {
      const row = await Tenant.query({ client: trx })
        .where('id', this.tenant.tenantId)
        .firstOrFail()
      const visibleProjects = await this.tenant
        .limitToProjects(this.tenant.query(Project, trx), 'id')
        .orderBy('id')
      const [count] = await this.tenant.query(Staff, trx).count('* as total')
      return { tenant: row, projects: visibleProjects, staffCount: Number(count.$extras.total) }
    })
    const beats = await new HeartbeatService().lastBeats()
    const gateways = await new GatewayRoster().list(this.tenant)

    return {
      tenant: { name: tenant.name, code: tenant.code },
      projects: projects.map((project) => ({ id: project.id, name: project.name })),
      staffCount,
      processes: [
        ...beats.map((beat) => ({
          role: 'worker' as const,
          host: beat.host as string,
          pid: beat.pid as number,
          beatAt: new Date(beat.beat_at).toISOString(),
          stale: Boolean(beat.stale),
          piles: null,
        })),
        ...gateways.map((gateway) => ({ role: 'gateway' as const, ...gateway })),
      ],
    }
  }
}
