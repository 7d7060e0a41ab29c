import type { HttpContext } from '@adonisjs/core/http'
import transmit from '@adonisjs/transmit/services/main'

/**
 * The live (SSE) channels. Every channel names its tenant, and a staff
 * member may subscribe only to their own tenant's channels, with the page's
 * permission, and for a pile only when they may see its project.
 */
const LIVE_CHANNELS = {
  pile: 'tenants/:tenantId/piles/:pileId',
  orders: 'tenants/:tenantId/orders',
} as const

export const pileChannel = (tenantId: number, pileId: number) =>
  `tenants/${tenantId}/piles/${pileId}`

export const ordersChannel = (tenantId: number) => `tenants/${tenantId}/orders`

/** Whether a channel is one of ours (anything else is refused, not left open). */
export function isLiveChannel(channel: unknown): channel is string {
  return (
    typeof channel === 'string' &&
    (/^tenants\/\d+\/piles\/\d+$/.test(channel) || /^tenants\/\d+\/orders$/.test(channel))
  )
}

/** The signed-in staff member's tenant context, if the channel is in their tenant. */
function ownTenant(ctx: HttpContext, tenantId: string) {
  const tenant = ctx.tenant
  return tenant && String(tenant.tenantId) === tenantId ? tenant : null
}

/** Registered once with the routes (start/routes.ts). */
export function authorizeLiveChannels() {
  transmit.authorize<{ tenantId: string; pileId: string }>(
    LIVE_CHANNELS.pile,
    async (ctx, { tenantId, pileId }) => {
      const tenant = ownTenant(ctx, tenantId)
      if (!tenant?.can('devices.view') || !/^\d+$/.test(pileId)) return false
      const pile = await tenant.run((trx) =>
        trx
          .from('piles')
          .where({ id: Number(pileId), tenant_id: tenant.tenantId })
          .select('project_id')
          .first()
      )
      return Boolean(pile) && tenant.canSeeProject(Number(pile.project_id))
    }
  )
  transmit.authorize<{ tenantId: string }>(LIVE_CHANNELS.orders, (ctx, { tenantId }) =>
    Boolean(ownTenant(ctx, tenantId)?.can('orders.view'))
  )
}
