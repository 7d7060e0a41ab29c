import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import FinancePolicy from '#policies/finance_policy'
import SummaryService from '#services/finance/summary_service'
import OwnerFigures, { dayBounds } from '#services/data/owner_figures'
import ProjectService from '#services/settings/project_service'
import { financeSummaryValidator } from '#validators/finance/finance_summary_validator'
import type { SummaryPageProps } from '#services/finance/finance_props'

// A day-by-day summary of more than a year would be a wall of rows: months then.
const MAX_DAYS = 366

/** 财务 → 汇总: the month (or range) per day or month, project, vendor and channel. */
@inject()
export default class FinanceSummaryController {
  constructor(
    protected summary: SummaryService,
    protected projects: ProjectService,
    protected figures: OwnerFigures
  ) {}

  async show({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(FinancePolicy).authorize('view')
    const filters = await request.validateUsing(financeSummaryValidator)
    const today = DateTime.now().setZone('Asia/Shanghai')
    let from = filters.from ?? today.startOf('month').toISODate()!
    let to = filters.to ?? today.toISODate()!
    if (to < from) [from, to] = [to, from]
    const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days + 1
    const granularity = days > MAX_DAYS ? 'month' : (filters.granularity ?? 'day')
    const projects = await this.projects.list()
    return inertia.render('finance/summary', {
      summary: await this.summary.summarize({
        from,
        to,
        granularity,
        projectId: filters.projectId,
      }),
      projectOptions: projects.map(({ id, name }) => ({ id, name })),
      filters: { from, to, granularity, projectId: filters.projectId ?? null },
      profit: await this.figures.profit({
        period: dayBounds(from, to),
        projectId: filters.projectId,
      }),
    } satisfies SummaryPageProps)
  }
}
