import type { CardStatus } from '#models/card'
import type { RiderStatus } from '#models/rider'
import type { Option, Pagination } from '#services/page_props'

/*
 * 卡片库存 and 用户卡片 rows and page props, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type CardRow = {
  id: number
  cardNo: string
  status: CardStatus
  projectId: number
  projectName: string
  riderId: number | null
  riderName: string | null
  riderPhone: string | null
  boundAt: string | null
  createdAt: string
}

export type IssueRider = {
  id: number
  name: string
  phone: string
  status: RiderStatus
  realBalance: number
  bonusBalance: number
}
/** A card that may be issued to a rider in a project, and what it costs. */
export type IssueCheck = {
  cardNo: string
  rider: IssueRider
  project: { id: number; name: string; cardFee: number }
}
export type ImportProblem = {
  row: number
  cardNo: string
  reason: 'empty' | 'malformed' | 'duplicateInFile' | 'exists'
}
export type ImportReport = { imported: number; problems: ImportProblem[] }

/** 卡片库存. */
export type CardInventoryPageProps = {
  cards: CardRow[]
  pagination: Pagination
  filters: { cardNo: string | null; status: CardStatus | null; projectId: number | null }
  projectOptions: Option[]
  /** The last import's outcome, once, after 导入. */
  importReport: ImportReport | null
}
