import type { OrderRecord, OrdersPageProps } from '#services/orders/order_rows'

/** A charging order as the 订单 pages receive it. */
export type OrderRow = OrderRecord

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
export type { OrdersPageProps }
