import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export const PORT_STATES = ['idle', 'charging', 'plugged', 'full', 'fault', 'offline'] as const
export type PortState = (typeof PORT_STATES)[number]

/** Staff's 启用/停用 of the port, as piles have it; a disabled port refuses charges. */
export const PORT_STATUSES = ['active', 'disabled'] as const
export type PortStatus = (typeof PORT_STATUSES)[number]

/** A port (插座) of a pile, numbered from 1, with its live state. */
export default class PilePort extends compose(BaseModel, TenantOwned) {
  @column()
  declare pileId: number

  @column()
  declare portNo: number

  @column()
  declare state: PortState

  /** Power in 0.1 W, as the DNY protocol reports it. */
  @column()
  declare status: PortStatus

  @column()
  declare currentPowerDeciwatts: number

  @column()
  declare faultCode: string | null

  @column()
  declare currentOrderNo: string | null

  /** When the state last changed. */
  @column.dateTime()
  declare updatedAt: DateTime
}
