import type { Option } from '#services/page_props'
import type { PaymentRecord, RefundRecord } from '#services/finance/finance_rows'
import type { ProfitFigures } from '#services/data/owner_figure_rows'

/*
 * The props of the 财务 pages (汇总, 对账, 退款申请, 下载中心 …), built by the
 * controllers of app/controllers/finance and imported by the pages (types
 * only); the services return these shapes. The list rows of 收款记录 and
 * 退款记录 are in finance_rows.ts. Type aliases: Inertia props are plain JSON.
 */

export type SummaryGranularity = 'day' | 'month'

/** All money in fen. */
export type SummaryFigures = {
  topUpCounter: number
  topUpQr: number
  /** Bonus given with top-ups (packages such as 50 送 1). */
  topUpBonus: number
  /** Bonus granted on its own (赠送). */
  bonusGrants: number
  cardFees: number
  chargeReal: number
  chargeBonus: number
  refunds: number
  /** Corrections, in minus out. */
  correctionsReal: number
  correctionsBonus: number
  /** Real money received less real money paid back: top-ups + card fees − refunds. */
  net: number
}

export type SummaryRow = SummaryFigures & {
  key: string
  label: string
  liabilityEnd: number | null
  /** 优惠金额: what coupons took off the bills of orders settled in the period (no ledger row). */
  couponDiscount: number
}

export type ChannelRow = { channel: string; real: number; bonus: number; count: number }

export type FinanceSummary = {
  periods: SummaryRow[]
  projects: SummaryRow[]
  vendors: (ChannelRow & { vendorId: number })[]
  channels: { topUps: ChannelRow[]; cardFees: ChannelRow[]; charging: ChannelRow[] }
  totals: SummaryRow
  liabilityStart: number
}

export type SummaryPageProps = {
  summary: FinanceSummary
  projectOptions: Option[]
  filters: { from: string; to: string; granularity: SummaryGranularity; projectId: number | null }
  /** 利润 of the period from its orders (owner_figures.ts). */
  profit: ProfitFigures
}

export type RefundRequestRow = {
  id: number
  riderId: number
  riderName: string
  riderPhone: string
  projectName: string
  amount: number
  realBalance: number
  reason: string
  status: 'pending' | 'approved' | 'rejected'
  decisionNote: string | null
  decidedBy: string | null
  createdAt: string
  decidedAt: string | null
}

export type RefundRequestsPageProps = {
  refundRequests: RefundRequestRow[]
  status: RefundRequestRow['status']
}

export type DifferenceKind = 'missing_ours' | 'missing_theirs' | 'amount_mismatch'

export type ReconciliationChannel = {
  settingId: number
  pluginId: string
  /** Null: the tenant-wide setting. */
  project: string | null
  enabled: boolean
}

export type ReconciliationRunRecord = {
  id: number
  billDate: string
  settingId: number
  pluginId: string
  status: 'matched' | 'differences' | 'failed'
  billRows: number
  ourRows: number
  failure: string | null
  /** ISO, UTC: when it last ran. */
  ranAt: string
}

export type DifferenceRecord = {
  id: number
  kind: DifferenceKind
  paymentNo: string
  refundNo: string | null
  ourAmount: number | null
  theirAmount: number | null
}

/** One page of a page-numbered list that counts its pages. */
export type Paged<Row> = { rows: Row[]; page: number; lastPage: number; total: number }

export type ReconciliationPageProps = {
  runs: Paged<ReconciliationRunRecord>
  channels: ReconciliationChannel[]
  selectedRun: number | null
  differences: (Paged<DifferenceRecord> & { run: ReconciliationRunRecord }) | null
  /** Bills are of whole days: yesterday (Shanghai) is the last complete one. */
  defaultBillDate: string
}

export type ExportFormat = 'xlsx' | 'pdf'
export type ExportStatus = 'queued' | 'running' | 'done' | 'failed' | 'expired'

export type ExportRecord = {
  id: number
  kind: string
  format: ExportFormat
  status: ExportStatus
  rowsDone: number
  rowsTotal: number | null
  fileSize: number | null
  error: string | null
  /** Null for a statement the system made (系统生成). */
  requestedBy: string | null
  createdAt: string
  expiresAt: string | null
  expired: boolean
}

export type DownloadsPageProps = { exports: ExportRecord[] }

export type PaymentsPageProps = {
  payments: PaymentRecord[]
  newer: number | null
  older: number | null
  projectOptions: Option[]
  pluginOptions: string[]
  filters: {
    paymentNo: string | null
    phone: string | null
    projectId: number | null
    purpose: string | null
    status: string | null
    pluginId: string | null
    from: string | null
    to: string | null
  }
}

export type RefundsPageProps = {
  refunds: RefundRecord[]
  newer: number | null
  older: number | null
  /** Refunds waiting to be paid back in cash (线下退款). */
  awaitingCash: number
  filters: {
    refundNo: string | null
    paymentNo: string | null
    phone: string | null
    status: string | null
    cause: string | null
    awaitingCash: boolean
    from: string | null
    to: string | null
  }
}
