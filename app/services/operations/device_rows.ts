import type DeviceCommand from '#models/device_command'
import type Pile from '#models/pile'
import type PilePort from '#models/pile_port'
import type Station from '#models/station'
import type { Option, Pagination } from '#services/page_props'
import type { ElectricityTariff, OwnerShare } from '#services/data/electricity_cost'

/*
 * 厂商管理, 站点管理 and 设备管理 rows and page props, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type StationRow = {
  id: number
  projectId: number
  projectName: string
  name: string
  address: string | null
  latitude: number | null
  longitude: number | null
  status: Station['status']
  pileCount: number
  /** 业主 and share; electricity tariff in 0.01 fen per kWh (see electricity_cost.ts). */
  ownerId: number | null
  ownerName: string | null
  share: OwnerShare | null
  electricityTariff: ElectricityTariff | null
}

export type PileRow = {
  id: number
  name: string
  pluginId: string
  deviceKey: string
  displayKey: string
  stationId: number
  stationName: string
  projectId: number
  projectName: string
  vendorId: number
  vendorName: string
  portCount: number
  firmware: string | null
  iccid: string | null
  protocolVersion: string | null
  heartbeatIntervalSeconds: number
  status: Pile['status']
  online: boolean
  lastHeartbeatAt: string | null
  /** The 设备密钥 itself is never shown again: whether one is set, and since when. */
  hasSecret: boolean
  secretSetAt: string | null
  /** The key before the last rotation still works (until the new one is used or the grace ends). */
  previousSecretValid: boolean
  allowUnauthenticated: boolean
  boundIccid: string | null
  /** The latest connection refused for another ICCID, for staff to accept as a module swap. */
  identityNotice: { iccid: string; ip: string | null; at: string } | null
}

export type PortRow = {
  portNo: number
  state: PilePort['state']
  /** Staff's 启用/停用 (停用端口 from a 报修 ticket). */
  status: PilePort['status']
  powerDeciwatts: number
  faultCode: string | null
  currentOrderNo: string | null
  updatedAt: string
  /** The rider H5 page of this port: what its QR sticker carries. */
  h5Url: string
}
export type CommandRow = {
  id: number
  command: DeviceCommand['command']
  portNo: number | null
  parameters: Record<string, unknown>
  status: DeviceCommand['status']
  result: Record<string, unknown> | null
  requestedBy: string | null
  createdAt: string
  finishedAt: string | null
}

export type VendorRow = {
  id: number
  name: string
  pluginId: string
  contact: string | null
  note: string | null
}
export type VendorsPageProps = { vendors: VendorRow[] }

/** The selects of the 运维 pages: projects, stations and vendors this staff member may use. */
export type DeviceOptions = {
  projectOptions: Option[]
  stationOptions: (Option & { projectId: number })[]
  vendorOptions: (Option & { pluginId: string })[]
}

export type StationsPageProps = {
  stations: StationRow[]
  pagination: Pagination
  filters: { name: string | null; projectId: number | null; status: Station['status'] | null }
  projectOptions: Option[]
  /** Owners to choose from; empty without owners.manage. */
  ownerOptions: Option[]
}

export type PilesPageProps = DeviceOptions & {
  piles: PileRow[]
  pagination: Pagination
  filters: {
    keyword: string | null
    projectId: number | null
    stationId: number | null
    vendorId: number | null
    online: 'online' | 'offline' | null
  }
}

/** A pile with its ports and latest commands: the detail page and its live refetch. */
export type PileState = { pile: PileRow; ports: PortRow[]; commands: CommandRow[] }

export type PilePageProps = DeviceOptions &
  PileState & {
    /** SVG data URLs of the ports' H5 QR codes, by port number. */
    qrImages: Record<number, string>
    /** The SSE channel of this pile's live changes. */
    liveChannel: string
    /** A 设备密钥 just generated: shown once, on the next page of this pile only. */
    issuedSecret: { pileId: number; secret: string; pushed: boolean } | null
  }
