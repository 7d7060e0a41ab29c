import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder, { OPEN_STATUSES } from '#models/charging_order'
import type { HomeAlert, TodayFigures } from '#services/home/home_props'

export type { HomeAlert, TodayFigures }

/**
 * 首页: today's figures (Shanghai calendar day) over the staff member's
 * projects, each block only for staff allowed to open the pages behind it,
 * and the alerts that link to those pages.
 */
@inject()
export default class TodayFiguresService {
  constructor(protected tenant: TenantContext) {}

  async figures(now = new Date()): Promise<TodayFigures> {
    const todayStart = DateTime.fromJSDate(now).setZone('Asia/Shanghai').startOf('day').toJSDate()
    const tenantId = this.tenant.tenantId
    return this.tenant.run(async (trx) => {
      const scoped = (table: string) =>
        this.tenant.limitToProjects(trx.from(table).where('tenant_id', tenantId), 'project_id')

      let orders: TodayFigures['orders'] = null
      if (this.tenant.can('orders.view')) {
        const chargingOrders = () =>
          this.tenant.limitToProjects(this.tenant.query(ChargingOrder, trx))
        const [today] = await chargingOrders()
          .where('created_at', '>=', todayStart)
          .select(
            trx.raw('COUNT(*)::bigint as orders'),
            trx.raw('COALESCE(SUM(energy_wh), 0)::bigint as energy')
          )
          .pojo<{ orders: number; energy: number }>()
        const [revenue] = await scoped('ledger_entries')
          .where('detail_type', 'charge_settlement')
          .where('occurred_at', '>=', todayStart)
          .select(trx.raw('COALESCE(SUM(real_out + bonus_out), 0)::bigint as amount'))
        const [open] = await chargingOrders()
          .whereIn('status', [...OPEN_STATUSES, 'abnormal'])
          .select(
            trx.raw(`COUNT(*) FILTER (WHERE status <> 'abnormal')::bigint as active`),
            trx.raw(`COUNT(*) FILTER (WHERE status = 'abnormal')::bigint as abnormal`)
          )
          .pojo<{ active: number; abnormal: number }>()
        orders = {
          ordersToday: today.orders,
          revenueToday: revenue.amount,
          energyWhToday: today.energy,
          activeCharges: open.active,
          abnormalOpen: open.abnormal,
        }
      }

      let piles: TodayFigures['piles'] = null
      if (this.tenant.can('devices.view')) {
        const [row] = await scoped('piles')
          .where('status', 'active')
          .select(
            trx.raw('COUNT(*) FILTER (WHERE online)::bigint as online'),
            trx.raw('COUNT(*) FILTER (WHERE NOT online)::bigint as offline')
          )
        piles = { online: row.online, offline: row.offline }
      }

      let refundsAwaitingCash: number | null = null
      if (this.tenant.can('finance.view')) {
        const [row] = await scoped('payment_refunds')
          .where('status', 'failed')
          .whereNotNull('ledger_entry_id')
          .whereNull('settled_offline_at')
          .select(trx.raw('COUNT(*)::bigint as count'))
        refundsAwaitingCash = row.count
      }
      return { orders, piles, refundsAwaitingCash }
    })
  }

  /** What needs someone's attention, each linking to the page that resolves it. */
  static alerts(figures: TodayFigures): HomeAlert[] {
    const alerts: HomeAlert[] = []
    if (figures.piles?.offline) {
      alerts.push({
        key: 'pilesOffline',
        count: figures.piles.offline,
        path: '/operations/piles?online=offline',
      })
    }
    if (figures.orders?.abnormalOpen) {
      alerts.push({
        key: 'abnormalOrders',
        count: figures.orders.abnormalOpen,
        path: '/orders/abnormal',
      })
    }
    if (figures.refundsAwaitingCash) {
      alerts.push({
        key: 'refundsAwaitingCash',
        count: figures.refundsAwaitingCash,
        path: '/finance/refunds?awaitingCash=1',
      })
    }
    return alerts
  }
}
