import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A pile registered to a tenant is active or disabled; one nobody registered waits in `pending_piles`. */
export const PILE_STATUSES = ['active', 'disabled'] as const
export type PileStatus = (typeof PILE_STATUSES)[number]

/** A charging pile (充电桩), found platform-wide by (pluginId, deviceKey). */
export default class Pile extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  /** Always the station's project (a composite foreign key holds it). */
  @column()
  declare stationId: number

  @column()
  declare vendorId: number

  /** Copied from the vendor (a composite foreign key holds it). */
  @column()
  declare pluginId: string

  /** Normalised by #services/devices/device_keys. */
  @column()
  declare deviceKey: string

  @column()
  declare name: string

  @column()
  declare portCount: number

  @column()
  declare firmware: string | null

  @column()
  declare iccid: string | null

  @column()
  declare protocolVersion: string | null

  @column()
  declare status: PileStatus

  @column()
  declare online: boolean

  @column()
  declare heartbeatIntervalSeconds: number

  @column.dateTime()
  declare lastHeartbeatAt: DateTime | null

  @column()
  declare lastSeenIp: string | null

  /** `sha256:<hex>` of the 设备密钥; never serialized (audit rows, pages). */
  @column({ serializeAs: null })
  declare secretHash: string | null

  @column.dateTime()
  declare secretSetAt: DateTime | null

  /** The key before the last rotation, valid until the new one is used or this expires. */
  @column({ serializeAs: null })
  declare previousSecretHash: string | null

  @column.dateTime({ serializeAs: null })
  declare previousSecretExpiresAt: DateTime | null

  /** OCPP Security Profile 0 / JUY without password: connections without proof are let in. */
  @column()
  declare allowUnauthenticated: boolean

  /** The SIM ICCID a DNY pile is bound to (first contact binds it). */
  @column()
  declare boundIccid: string | null

  /** The latest connection refused for another ICCID (identity changed). */
  @column()
  declare identityNoticeIccid: string | null

  @column()
  declare identityNoticeIp: string | null

  @column.dateTime()
  declare identityNoticeAt: DateTime | null
}
