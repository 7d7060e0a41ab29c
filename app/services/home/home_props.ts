import type { Option } from '#services/page_props'

/*
 * 首页's props: the tenant, today's figures and the alerts, built by
 * HomeController from TenantOverviewService and TodayFiguresService and
 * imported by the page (types only). Type aliases: Inertia props are plain JSON.
 */

export type TodayFigures = {
  /** Null when the staff member may not see orders. */
  orders: {
    ordersToday: number
    /** Charge settlements posted today, real and bonus, in fen. */
    revenueToday: number
    energyWhToday: number
    activeCharges: number
    abnormalOpen: number
  } | null
  /** Null when the staff member may not see devices. */
  piles: { online: number; offline: number } | null
  /** Failed refunds whose riders were debited: owed in cash. Null without finance.view. */
  refundsAwaitingCash: number | null
}

export type HomeAlert = {
  key: 'pilesOffline' | 'abnormalOrders' | 'refundsAwaitingCash'
  count: number
  path: string
}

export type HomePageProps = {
  tenant: { name: string; code: string }
  projects: Option[]
  staffCount: number
  /**
   * Each worker (its last heartbeat) and gateway (its row in gateway_instances),
   * stale when it stopped beating. `piles`: how many of this tenant's piles a
   * gateway holds, null for a worker or for staff who may not see devices.
   */
  processes: {
    role: 'worker' | 'gateway'
    host: string
    pid: number
    beatAt: string
    stale: boolean
    piles: number | null
  }[]
  today: TodayFigures
  alerts: HomeAlert[]
}
