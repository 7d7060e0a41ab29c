import type { RepairCategory, RepairStatus } from '#models/repair_ticket'
import type { H5Port } from '#services/h5/h5_types'

/*
 * The rider H5's 报修 pages: what the services return and the pages import
 * (types only). Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

/** A rider's own report, as 我的报修 lists it. */
export type H5RepairTicket = {
  id: number
  stationName: string
  pileName: string
  portNo: number
  category: RepairCategory
  description: string | null
  status: RepairStatus
  closeNote: string | null
  createdAt: string
  closedAt: string | null
}

/** 报修 of a port: the form. */
export type H5RepairFormPageProps = { port: H5Port; categories: RepairCategory[] }

/** 我的报修. */
export type H5RepairsPageProps = { tickets: H5RepairTicket[] }
