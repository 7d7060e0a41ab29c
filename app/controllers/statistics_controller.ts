import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import StatisticsPolicy from '#policies/statistics_policy'
import StatisticsService from '#services/reports/statistics_service'
import { MAX_RANGE_DAYS, statisticsValidator } from '#validators/statistics_validator'

/** 数据: charts of orders, revenue, energy, utilisation and riders over a range of days. */
@inject()
export default class StatisticsController {
  constructor(protected statistics: StatisticsService) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(StatisticsPolicy).authorize('view')
    const filters = await request.validateUsing(statisticsValidator)
    return inertia.render('data/charts', {
      statistics: await this.statistics.compute(filters),
      filterOptions: await this.statistics.options(),
      maxDays: MAX_RANGE_DAYS,
    })
  }
}
