import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { ElectricityTariff, OwnerShare } from '#services/data/electricity_cost'

export const STATION_STATUSES = ['active', 'disabled'] as const
export type StationStatus = (typeof STATION_STATUSES)[number]

// NUMERIC arrives as text: read it as a number (6 decimals fit a double exactly enough for a map).
const coordinate = {
  consume: (value: string | number | null) => (value === null ? null : Number(value)),
}

/** jsonb: written as JSON text. */
const json = { prepare: (value: unknown) => (value === null ? null : JSON.stringify(value)) }

/** A site (站点) of a project, where piles stand. */
export default class Station extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  @column()
  declare name: string

  @column()
  declare address: string | null

  @column(coordinate)
  declare latitude: number | null

  @column(coordinate)
  declare longitude: number | null

  @column()
  declare status: StationStatus

  /** The owner (业主) sharing in this station's money, and how (see electricity_cost.ts). */
  @column()
  declare ownerId: number | null

  @column()
  declare ownerShareKind: OwnerShare['kind'] | null

  @column()
  declare ownerShareValue: number | null

  /** Null: no electricity cost recorded. */
  @column(json)
  declare electricityTariff: ElectricityTariff | null
}
