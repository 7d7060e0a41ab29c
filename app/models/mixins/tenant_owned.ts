import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { DateTime } from 'luxon'

/*
| The columns most tables share, declared once. Every tenant-owned table
| leads with tenant_id (the RLS key and the distribution column); most carry
| project_id too. Composed with `compose(BaseModel, TenantOwned, …)`.
*/

/** An id and the tenant that owns the row. */
export const TenantOwned = <T extends NormalizeConstructor<typeof BaseModel>>(superclass: T) => {
  class TenantOwnedRow extends superclass {
    @column({ isPrimary: true })
    declare id: number

    @column()
    declare tenantId: number
  }
  return TenantOwnedRow
}

/** The project (site) a tenant-owned row belongs to. */
export const ProjectOwned = <T extends NormalizeConstructor<typeof BaseModel>>(superclass: T) => {
  class ProjectOwnedRow extends superclass {
    @column()
    declare projectId: number
  }
  return ProjectOwnedRow
}

/** created_at and updated_at, kept by Lucid. */
export const Timestamps = <T extends NormalizeConstructor<typeof BaseModel>>(superclass: T) => {
  class TimestampedRow extends superclass {
    @column.dateTime({ autoCreate: true })
    declare createdAt: DateTime

    @column.dateTime({ autoCreate: true, autoUpdate: true })
    declare updatedAt: DateTime
  }
  return TimestampedRow
}
