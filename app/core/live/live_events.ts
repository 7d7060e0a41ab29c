import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import type { Broadcastable } from '@boringnode/transmit/types'
import { ordersChannel, pileChannel } from '#core/live/live_channels'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder from '#models/charging_order'

/** What changed on a pile: enough for a viewer to know what to refresh. */
export type PileChange =
  | { type: 'ports'; ports: { portNo: number; state: string; powerDeciwatts: number }[] }
  | { type: 'heartbeat' }
  | { type: 'offline' }
  | { type: 'command'; commandId: number; status: string }
  | { type: 'order'; orderNo: string; status: string }

/** An order was created or moved; the orders list refreshes its first page. */
export type OrderChange = { projectId: number; status: string }

/**
 * The one place domain services announce live changes. Call it AFTER the
 * transaction committed (a rolled-back change must not be announced). The
 * message reaches this process's SSE clients and, through PostgreSQL NOTIFY,
 * the web processes'. Payloads stay small (NOTIFY takes under 8000 bytes).
 * A failed announcement is logged and never fails the domain work: viewers
 * catch up on their next refresh.
 */
export default class LiveEvents {
  static async pileChanged(tenantId: number, pileId: number, change: PileChange) {
    await this.#broadcast(pileChannel(tenantId, pileId), change)
  }

  static async orderChanged(
    tenantId: number,
    order: OrderChange & { orderNo: string; pileId: number | null }
  ) {
    const { projectId, status } = order
    await this.#broadcast(ordersChannel(tenantId), { projectId, status })
    if (order.pileId !== null) {
      await this.pileChanged(tenantId, order.pileId, {
        type: 'order',
        orderNo: order.orderNo,
        status,
      })
    }
  }

  /**
   * Orders known by number only (the charging service and the watchdog):
   * their project, pile and status are read after the commit, then announced.
   */
  static async ordersChanged(tenantId: number, orderNos: (string | null | undefined)[]) {
    const wanted = [...new Set(orderNos.filter((orderNo): orderNo is string => Boolean(orderNo)))]
    if (wanted.length === 0) return
    try {
      const tenant = TenantContext.forJob(tenantId)
      const orders = await tenant.run((trx) =>
        tenant
          .query(ChargingOrder, trx)
          .whereIn('order_no', wanted)
          .select('order_no', 'project_id', 'pile_id', 'status')
      )
      for (const { orderNo, projectId, pileId, status } of orders) {
        await this.orderChanged(tenantId, { orderNo, projectId, pileId, status })
      }
    } catch (error) {
      logger.warn({ err: error, tenantId }, 'live order events not sent')
    }
  }

  static async #broadcast(channel: string, payload: Broadcastable) {
    try {
      const transmit = await app.container.make('transmit')
      transmit.broadcast(channel, payload)
    } catch (error) {
      logger.warn({ err: error, channel }, 'live event not sent')
    }
  }
}
