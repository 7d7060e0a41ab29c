import type { RiderStatus } from '#models/rider'
import type { LedgerRow } from '#core/wallet/ledger_rows'
import type { CardRow, IssueCheck, IssueRider } from '#services/cards/card_rows'
import type { QrPaymentView } from '#services/finance/finance_rows'
import type { RiderRow } from '#services/riders/rider_rows'
import type { Option, Pagination } from '#services/page_props'

/*
 * The props of the 用户 pages (用户列表, 充值, 账户流水, 用户卡片, 发卡), built by
 * their controllers and imported by the pages (types only).
 * Type aliases: Inertia props are plain JSON.
 */

export type RidersPageProps = {
  riders: RiderRow[]
  pagination: Pagination
  filters: {
    name: string | null
    phone: string | null
    status: RiderStatus | null
    from: string | null
    to: string | null
    sortBy: string
    sortOrder: 'asc' | 'desc'
  }
  /** Where a refund can be posted (退款): the active projects. */
  projects: Option[]
  /** Set only outside production, after a code went out through a test sender. */
  devCode: { phone: string; code: string } | null
  /** 发券: the batches the staff member may give a rider now (none without coupons.manage). */
  couponBatches: Option[]
}

export type TopupRider = {
  id: number
  name: string
  phone: string
  status: RiderStatus
  realBalance: number
  bonusBalance: number
}
export type TopupProject = Option & { topupMax: number }
export type TopupPackageOption = { id: number; amount: number; bonus: number }
export type TopupPageProps = {
  projects: TopupProject[]
  projectId: number | null
  packages: TopupPackageOption[]
  rider: TopupRider | null
  phone: string | null
  /** The QR payment being watched (立即充值), from the query string. */
  payment: QrPaymentView | null
}

export type LedgerPageProps = {
  rows: LedgerRow[]
  newer: number | null
  older: number | null
  detailTypes: { value: string; title: string }[]
  projectOptions: Option[]
  filters: {
    name: string | null
    phone: string | null
    entryNo: string | null
    projectId: number | null
    detailType: string | null
    from: string | null
    to: string | null
  }
}

export type BoundCardsPageProps = {
  cards: CardRow[]
  pagination: Pagination
  filters: {
    phone: string | null
    cardNo: string | null
    status: CardRow['status'] | null
    projectId: number | null
  }
  projectOptions: Option[]
}

export type CardIssuePageProps = {
  lookup: { cardNo: string | null; phone: string | null; projectId: number | null }
  check: IssueCheck | null
  /** 查询 with the phone alone: the rider found, before a card is typed. */
  rider: IssueRider | null
  /** Why the looked-up card cannot be issued, in the staff's language. */
  lookupError: string | null
  projectOptions: (Option & { cardFee: number })[]
  /** The card fee's QR payment being watched, from the query string. */
  payment: QrPaymentView | null
}
