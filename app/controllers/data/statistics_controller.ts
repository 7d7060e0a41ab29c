import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import StatisticsPolicy from '#policies/statistics_policy'
import { chartTables } from '#services/data/chart_tables'
import { chartXlsx } from '#services/data/chart_xlsx'
import ExportRefusal from '#services/finance/exports/export_refusal'
import StatisticsService from '#services/data/statistics_service'
import OwnerFigures, { dayBounds } from '#services/data/owner_figures'
import TenantContext from '#core/tenancy/tenant_context'
import {
  chartValidator,
  MAX_RANGE_DAYS,
  statisticsValidator,
} from '#validators/data/statistics_validator'
import type { ChartsPageProps } from '#services/data/statistics_rows'

/** 数据: charts of orders, revenue, energy, utilisation and riders over a range of days. */
@inject()
export default class StatisticsController {
  constructor(
    protected statistics: StatisticsService,
    protected tenant: TenantContext,
    protected figures: OwnerFigures
  ) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(StatisticsPolicy).authorize('view')
    const filters = await request.validateUsing(statisticsValidator)
    const statistics = await this.statistics.compute(filters)
    return inertia.render('data/charts', {
      statistics,
      chartTables: chartTables(statistics),
      filterOptions: await this.statistics.options(),
      maxDays: MAX_RANGE_DAYS,
      profit: await this.figures.profit({
        period: dayBounds(statistics.range.from, statistics.range.to),
        projectId: statistics.range.projectId,
        stationId: statistics.range.stationId,
      }),
    } satisfies ChartsPageProps)
  }

  /** One chart's table as .xlsx, for the page's filters; small, so made in the request. */
  async export({ request, response, bouncer, route, i18n }: HttpContext) {
    await bouncer.with(StatisticsPolicy).authorize('export')
    const { chart } = await chartValidator.validate({ chart: route?.pattern.split('/').pop() })
    const filters = await request.validateUsing(statisticsValidator)
    if (filters.projectId && !this.tenant.canSeeProject(filters.projectId)) {
      throw new ExportRefusal('projectNotAllowed')
    }
    const statistics = await this.statistics.compute(filters)
    const table = chartTables(statistics)[chart]
    const { from, to } = statistics.range
    response.header(
      'Content-Type',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    )
    response.attachment(`${i18n.t(`ui.dataPage.charts.${table.title}`)}-${from}-${to}.xlsx`)
    return response.send(await chartXlsx(table, i18n))
  }
}
