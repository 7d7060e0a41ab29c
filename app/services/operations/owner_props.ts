import type { Option } from '#services/page_props'
import type { OwnerRow } from '#services/operations/owner_service'
import type { StationFigures } from '#services/data/owner_figures'

export type { OwnerRow, StationFigures }

export type OwnersPageProps = {
  owners: OwnerRow[]
  staffOptions: Option[]
}

/** 数据 → 业主对账: one month of an owner's stations (an owner account: its own only). */
export type OwnerStatementPageProps = {
  month: string
  ownerId: number | null
  ownerOptions: Option[]
  /** An owner account: no owner choice, and no operator cost or profit. */
  ownerAccount: boolean
  stations: StationFigures[]
}
