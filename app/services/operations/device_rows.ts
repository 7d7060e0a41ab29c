import type Pile from '#models/pile'
import type Station from '#models/station'

/*
 * 站点管理 and 设备管理 rows, as the pages receive them: the services return them and the
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
