import type { Bill, Tariff } from '#core/billing/tariff'
import type {
  AbnormalReason,
  ChargeDuration,
  EndClaimRecord,
  OrderChannel,
  OrderStatus,
} from '#models/charging_order'
import type { Option } from '#services/page_props'
import type { PrepaidBill } from '#services/orders/pay_per_charge_types'

/*
 * 订单管理, 异常订单 and 订单详情 rows and page props, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type OrderRecord = {
  id: number
  orderNo: string
  status: OrderStatus
  abnormalReason: AbnormalReason | null
  cancelReason: string | null
  riderName: string | null
  phone: string | null
  cardNo: string | null
  channel: OrderChannel
  project: string
  deviceKey: string
  /** Null until the pile says which port a card charge started on (OCPP Authorize). */
  portNo: number | null
  durationType: ChargeDuration['kind']
  durationHours: number | null
  capFen: number | null
  /** ISO, UTC. */
  orderedAt: string
  startedAt: string | null
  endedAt: string | null
  minutes: number
  rateFenPerHour: number | null
  /** Whole watts (stored in 0.1 W). */
  maxPowerWatts: number
  energyWh: number
  amountFen: number
  /** What a coupon took off amountFen at settlement (优惠券). */
  couponDiscountFen: number
  /** 套餐支付: a plan of the rider paid it (it bills 0). */
  paidByPlan: boolean
  /** 免费测试: staff's test charge, no rider and no money. */
  freeTest: boolean
  vendorName: string
  stopReason: string | null
  /** Still charging at the pile: staff may stop it. */
  open: boolean
}

/** 订单管理 and 异常订单: every filter, null when not chosen, so the page's form starts from them. */
export type OrderListFilters = {
  orderNo: string | null
  name: string | null
  phone: string | null
  cardNo: string | null
  device: string | null
  projectId: number | null
  channel: string | null
  paidBy: 'plan' | 'wallet' | null
  status: string | null
  abnormalReason: string | null
  vendorId: number | null
  from: string | null
  to: string | null
}

export type OrdersPageProps = {
  orders: OrderRecord[]
  newer: number | null
  older: number | null
  projectOptions: Option[]
  vendorOptions: Option[]
  filters: OrderListFilters
  /** The SSE channel of the tenant's order events: the list reloads its first page. */
  liveChannel: string
}

export type OrderDetail = OrderRecord & {
  station: string | null
  pileName: string | null
  tariff: Tariff
  bill: Bill | null
  resolutionNote: string | null
  settledAt: string | null
  endClaim: EndClaimRecord | null
  samples: { at: string; powerWatts: number; energyWh: number | null }[]
  /** 扫码即充: what was paid, used and returned; null for a wallet-paid order. */
  prepaid: PrepaidBill | null
}
export type OrderDetailPageProps = { order: OrderDetail }
