import type {
  AbnormalReason,
  ChargeDuration,
  OrderChannel,
  OrderStatus,
} from '#models/charging_order'

/*
 * 订单管理 and 异常订单 rows, as the pages receive them: the services return them and the
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
  vendorName: string
  stopReason: string | null
  /** Still charging at the pile: staff may stop it. */
  open: boolean
}
