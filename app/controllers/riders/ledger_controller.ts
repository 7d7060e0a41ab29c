import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import WalletPolicy from '#policies/wallet_policy'
import LedgerQuery from '#core/wallet/ledger_query'
import ProjectService from '#services/settings/project_service'
import { LEDGER_DETAIL_TYPES } from '#models/ledger_entry'
import { ledgerFilterValidator } from '#validators/riders/ledger_validator'
import type { LedgerPageProps } from '#services/riders/riders_props'

/** 用户 → 账户流水: the tenant's account ledger, filtered and paged. */
@inject()
export default class LedgerController {
  constructor(
    protected ledger: LedgerQuery,
    protected projects: ProjectService
  ) {}

  async index({ request, inertia, bouncer, i18n }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('viewLedger')
    const filters = await request.validateUsing(ledgerFilterValidator)
    const { rows, newer, older } = await this.ledger.page(filters)
    const projects = await this.projects.list()
    return inertia.render('riders/ledger', {
      rows,
      newer,
      older,
      // Labels from the server's wallet texts, the same the ledger uses everywhere.
      detailTypes: LEDGER_DETAIL_TYPES.map((value) => ({
        value,
        title: i18n.t(`wallet.detailTypes.${value}`),
      })),
      projectOptions: projects.map((project) => ({ id: project.id, name: project.name })),
      filters: {
        name: filters.name ?? null,
        phone: filters.phone ?? null,
        entryNo: filters.entryNo ?? null,
        projectId: filters.projectId ?? null,
        detailType: filters.detailType ?? null,
        from: filters.from ?? null,
        to: filters.to ?? null,
      },
    } satisfies LedgerPageProps)
  }
}
