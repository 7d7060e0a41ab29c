import type { Bill, Tariff } from '#core/billing/tariff'
import type { ChargeDuration, OrderStatus } from '#models/charging_order'
import type { PayPerChargeOptions, PrepaidBill } from '#services/orders/pay_per_charge_types'

/*
| What the rider H5 passes between its units and shows its pages. Type
| aliases, not interfaces: Inertia props must be plain JSON types.
*/

/** What the rider's session cookie holds: one tenant (the pile's), one rider. */
export type H5Rider = { tenantId: number; riderId: number; projectId: number }

/** Who pays inside WeChat (the official account's openid) or Alipay (the buyer's user id). */
export type H5Payer = { tenantId: number; provider: 'wechat' | 'alipay'; payerId: string }

/** A port found by its QR code: the tenant it belongs to and where. */
export type H5Place = { tenantId: number; projectId: number; pileId: number; portNo: number }

export type H5Port = {
  code: string
  portNo: number
  stationName: string
  stationAddress: string | null
  pileName: string
  pileOnline: boolean
  pileActive: boolean
  /** Staff took the port out of service (停用端口). */
  portActive: boolean
  portState: string
  powerWatts: number
  tariff: Tariff
}

export type H5Me = {
  name: string
  /** Null for a guest (游客) signed in by WeChat or Alipay who has not bound a phone. */
  phone: string | null
  frozen: boolean
  realBalance: number
  bonusBalance: number
  /** Held by the rider's open orders (冻结金额), fen: not spendable nor refundable meanwhile. */
  heldRealFen: number
  heldBonusFen: number
}

export type H5Order = {
  orderNo: string
  status: OrderStatus
  abnormalReason: string | null
  stationName: string
  pileName: string
  /** Null until the pile says which port a card charge started on. */
  portNo: number | null
  durationType: ChargeDuration['kind']
  durationHours: number | null
  capFen: number | null
  createdAt: string
  startedAt: string | null
  endedAt: string | null
  minutes: number
  powerWatts: number
  maxPowerWatts: number
  energyWh: number
  /** The settled amount, or what the charge costs so far. */
  amountFen: number
  /** What a coupon took off amountFen at settlement (优惠券). */
  couponDiscountFen: number
  /** 套餐支付: the rider's plan pays this charge. */
  paidByPlan: boolean
  stopRequested: boolean
  stopReason: string | null
  cancelReason: string | null
  bill: Bill | null
  /** 扫码即充: what was paid, used and returned; null for a wallet-paid order. */
  prepaid: PrepaidBill | null
}

export type H5RefundRequest = {
  id: number
  amount: number
  reason: string
  status: 'pending' | 'approved' | 'rejected'
  decisionNote: string | null
  createdAt: string
  decidedAt: string | null
}

/** The sign-in step in progress on a port page: the phone a code went to (and it, outside production). */
export type H5LoginState = { phone: string; devCode: string | null; needsName: boolean }

/** A rider signed in through WeChat or Alipay: still a 游客 without a phone, still named by number. */
export type H5OauthState = { provider: 'wechat' | 'alipay'; guest: boolean; unnamed: boolean }

export type H5PortPageProps = {
  port: H5Port
  /** The rider signed in for this port's tenant, or null. */
  me: H5Me | null
  /** The rider's open order on this port, if any. */
  openOrderNo: string | null
  login: H5LoginState | null
  captchaRequired: boolean
  /** Set when the rider signed in through WeChat or Alipay. */
  oauth: H5OauthState | null
  /** 扫码即充's choices, for a signed-in rider. */
  payPerCharge: PayPerChargeOptions | null
}
export type H5OrderPageProps = { order: H5Order }
export type H5OrdersPageProps = { orders: H5Order[] }
export type H5RefundPageProps = { me: H5Me; refundRequests: H5RefundRequest[] }

export function isUniqueViolation(error: unknown) {
  return (error as { code?: string }).code === '23505'
}
