import type { PortStatus } from '#models/pile_port'
import type { RepairCategory, RepairStatus } from '#models/repair_ticket'
import type { Option, Pagination } from '#services/page_props'

/*
 * 报修 rows and page props, as the pages receive them: the services return
 * them, the controllers' props satisfy them and the pages import them (types
 * only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

/** A ticket as 运维 → 报修工单 lists it. */
export type RepairTicketRow = {
  id: number
  projectId: number
  projectName: string
  stationName: string
  pileId: number
  pileName: string
  portNo: number
  portStatus: PortStatus
  riderName: string
  riderPhone: string
  category: RepairCategory
  description: string | null
  status: RepairStatus
  assigneeId: number | null
  assigneeName: string | null
  closeNote: string | null
  closedBy: string | null
  createdAt: string
  assignedAt: string | null
  closedAt: string | null
}

/** A staff member a ticket can go to: their projects (null: all of the tenant's). */
export type RepairAssigneeOption = Option & { projectIds: number[] | null }

export type RepairTicketFilters = {
  status: RepairStatus | null
  projectId: number | null
  pileId: number | null
}

export type RepairTicketsPageProps = {
  tickets: RepairTicketRow[]
  pagination: Pagination
  filters: RepairTicketFilters
  projectOptions: Option[]
  /** Piles that have tickets in the staff member's projects. */
  pileOptions: Option[]
  assigneeOptions: RepairAssigneeOption[]
}
