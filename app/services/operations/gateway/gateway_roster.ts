import db from '@adonisjs/lucid/services/db'
import gatewayConfig, { type GatewayRouting } from '#config/gateway'
import type TenantContext from '#core/tenancy/tenant_context'

/** A gateway process as the home page lists it. */
export type GatewayProcess = {
  host: string
  pid: number
  beatAt: string
  /** Silent for longer than the dead-after time: the next beat of another gateway removes it. */
  stale: boolean
  /** The piles of the viewer's tenant (and projects) it holds; null when they may not see devices. */
  piles: number | null
}

/**
 * The running gateways, from their rows in gateway_instances: the one
 * record of whether a gateway is alive, the one command routing goes by.
 * gateway_instances and pile_leases are platform tables only the owner
 * reads; a tenant is shown the processes and, of the leases, only a count
 * of its own piles.
 */
export default class GatewayRoster {
  constructor(protected routing: GatewayRouting = gatewayConfig.routing) {}

  async list(tenant: TenantContext): Promise<GatewayProcess[]> {
    const owner = db.connection('owner')
    const gateways: {
      id: string
      host: string
      pid: number
      beat_at: Date
      stale: boolean
    }[] = await owner
      .from('gateway_instances')
      .select('id', 'host', 'pid', 'beat_at')
      .select(
        owner.raw('beat_at < now() - make_interval(secs => ?) AS stale', [
          this.routing.deadAfterMs / 1000,
        ])
      )
      .orderBy(['host', 'pid', 'id'])
    const held = tenant.can('devices.view') ? await this.#piles(tenant) : null
    return gateways.map((gateway) => ({
      host: gateway.host,
      pid: gateway.pid,
      beatAt: new Date(gateway.beat_at).toISOString(),
      stale: Boolean(gateway.stale),
      piles: held === null ? null : (held.get(gateway.id) ?? 0),
    }))
  }

  /** By gateway id: how many of the tenant's piles (in the projects it may see) each holds. */
  async #piles(tenant: TenantContext) {
    const rows: { gateway_id: string; piles: string | number }[] = await tenant
      .limitToProjects(
        db
          .connection('owner')
          .from('pile_leases as l')
          .join('piles as p', (on) =>
            on.on('p.plugin_id', 'l.plugin_id').andOn('p.device_key', 'l.device_key')
          )
          .where('p.tenant_id', tenant.tenantId),
        'p.project_id'
      )
      .groupBy('l.gateway_id')
      .select('l.gateway_id')
      .count('* as piles')
    return new Map(rows.map((row) => [row.gateway_id, Number(row.piles)]))
  }
}
