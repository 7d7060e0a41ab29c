import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export const STATION_STATUSES = ['active', 'disabled'] as const
export type StationStatus = (typeof STATION_STATUSES)[number]

// NUMERIC arrives as text: read it as a number (6 decimals fit a double exactly enough for a map).
const coordinate = {
  consume: (value: string | number | null) => (value === null ? null : Number(value)),
}

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
}
