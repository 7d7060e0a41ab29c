import type { OrderRecord } from '#services/orders/order_rows'

/** A charging order as the 订单 pages receive it. */
export type OrderRow = OrderRecord

export type OrderFilters = {
  orderNo: string | null
  phone: string | null
  cardNo: string | null
  device: string | null
  projectId: number | null
  channel: string | null
  status: string | null
  abnormalReason: string | null
  vendorId: number | null
  from: string | null
  to: string | null
}

export const STATUS_COLORS: Record<string, string> = {
  authorised: 'info',
  charging: 'primary',
  ended: 'warning',
  settled: 'success',
  abnormal: 'error',
  cancelled: 'grey',
  refunded: 'secondary',
}

/** The props of 订单管理 and 异常订单. */
export type OrdersPageProps = {
  orders: OrderRow[]
  newer: number | null
  older: number | null
  projectOptions: { id: number; name: string }[]
  vendorOptions: { id: number; name: string }[]
  filters: OrderFilters
}
