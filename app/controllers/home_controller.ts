import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import TodayFiguresService from '#services/home/today_figures_service'
import TenantOverviewService from '#services/home/tenant_overview_service'
import type { HomePageProps } from '#services/home/home_props'

@inject()
export default class HomeController {
  constructor(
    protected overview: TenantOverviewService,
    protected figures: TodayFiguresService
  ) {}

  async show({ inertia }: HttpContext) {
    const today = await this.figures.figures()
    return inertia.render('home', {
      ...(await this.overview.show()),
      today,
      alerts: TodayFiguresService.alerts(today),
    } satisfies HomePageProps)
  }
}
