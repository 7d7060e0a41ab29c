import { inject } from '@adonisjs/core'
import { errors } from '@adonisjs/lucid'
import TenantContext from '#core/tenancy/tenant_context'
import OwnerFigures, { monthBounds, ownerScopeOf } from '#services/data/owner_figures'
import type { StationFigures } from '#services/data/owner_figure_rows'

/**
 * 数据 → 业主对账: the owners a staff member may read and one owner's month.
 * An owner account reads only its own owner (another owner's id is a 404, as
 * is another tenant's) and never the operator's cost or profit.
 */
@inject()
export default class OwnerStatementService {
  constructor(protected tenant: TenantContext) {}

  page(month: string, ownerId: number | null) {
    return this.tenant.run(async (trx) => {
      const scope = await ownerScopeOf(this.tenant, trx)
      const owners = trx
        .from('owners')
        .where('tenant_id', this.tenant.tenantId)
        .orderBy('name')
        .limit(500)
        .select('id', 'name')
      if (scope !== null) owners.where('id', scope)
      const ownerRows = await owners
      const ownerOptions = ownerRows.map((row) => ({ id: Number(row.id), name: row.name }))
      const chosen = ownerId ?? ownerOptions[0]?.id ?? null
      if (chosen !== null && !ownerOptions.some((option) => option.id === chosen)) {
        // Not theirs, or another tenant's: as if it did not exist.
        throw new errors.E_ROW_NOT_FOUND()
      }
      const figures =
        chosen === null
          ? []
          : await new OwnerFigures(this.tenant).stationsWithin(trx, {
              period: monthBounds(month),
              ownerId: chosen,
            })
      const stations = scope === null ? figures : figures.map(withoutOperatorMoney)
      return { ownerId: chosen, ownerOptions, ownerAccount: scope !== null, stations }
    })
  }
}

/** What an owner may see of a station: its money and its share, not the operator's cost. */
function withoutOperatorMoney(station: StationFigures): StationFigures {
  return { ...station, electricityCost: 0, profit: 0 }
}
