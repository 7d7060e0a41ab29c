import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import TenantOverviewService from '#services/tenants/tenant_overview_service'

@inject()
export default class HomeController {
  constructor(protected overview: TenantOverviewService) {}

  async show({ inertia }: HttpContext) {
    return inertia.render('home', await this.overview.show())
  }
}
