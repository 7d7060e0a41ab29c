import type { OwnerShare } from '#services/data/electricity_cost'

/** One station's month: money in integer fen, energy in Wh. */
export type StationFigures = {
  stationId: number
  stationName: string
  projectId: number
  projectName: string
  ownerId: number | null
  ownerName: string | null
  share: OwnerShare | null
  orders: number
  energyWh: number
  revenue: number
  refunds: number
  net: number
  electricityCost: number
  ownerShare: number
  profit: number
}

/** A project's figures: the sums of its stations'. */
export type ProjectFigures = Omit<
  StationFigures,
  'stationId' | 'stationName' | 'ownerId' | 'ownerName' | 'share'
>

/** 利润 as 数据 and 财务汇总 show it: per project and per station. */
export type ProfitFigures = { projects: ProjectFigures[]; stations: StationFigures[] }
