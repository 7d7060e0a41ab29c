import type { MobilePaymentView } from '#services/finance/mobile_payment_view'

/*
 * The rider H5's 充值 pages: what the services return and the pages import
 * (types only). Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

/** A 充值套餐 of the rider's project, as staff see it: pay `amount`, get `bonus` on top; fen. */
export type H5TopupPackage = { id: number; amount: number; bonus: number }

/** What the page says of a top-up: 支付成功, 处理中, 失败. */
export type H5TopupStatus = 'paid' | 'pending' | 'failed'

/** 充值: the packages, the custom range, the balance, and whether the phone can pay at all. */
export type H5TopupPageProps = {
  packages: H5TopupPackage[]
  /** Whole yuan a custom amount may be. */
  customYuan: { min: number; max: number }
  /** 可用余额, fen: the balances less what open orders hold. */
  availableFen: number
  frozen: boolean
  /** False when the project's payment channel offers no mode a phone can pay by. */
  payable: boolean
}

/** The top-up's state and the balance after it, as the result page polls it. */
export type H5TopupState = {
  paymentNo: string
  status: H5TopupStatus
  amount: number
  bonusAmount: number
  availableFen: number
}

/** 充值结果: the state, and while unpaid what the page needs to pay in-app. */
export type H5TopupResultPageProps = {
  topup: H5TopupState
  /** While pending, how to pay it: the bridge call (jsapi) or the provider's page (h5); null otherwise. */
  payment: MobilePaymentView | null
  /** Straight after 去支付: the page calls the bridge once by itself (the button does again). */
  invoke: boolean
}
