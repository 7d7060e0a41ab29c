import type { Option } from '#services/page_props'
import type { StationFigures } from '#services/data/owner_figure_rows'

export type { StationFigures }

export type OwnerRow = {
  id: number
  name: string
  contact: string | null
  phone: string | null
  stationCount: number
  /** The owner accounts (staff tied to this owner). */
  accounts: { id: number; name: string }[]
}

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
