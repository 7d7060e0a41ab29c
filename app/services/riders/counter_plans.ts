import { inject } from '@adonisjs/core'
import Plan, { planTerms } from '#models/plan'
import Project from '#models/project'
import Rider from '#models/rider'
import Wallet from '#models/wallet'
import TenantContext from '#core/tenancy/tenant_context'
import RiderPlanService from '#services/riders/rider_plan_service'
import type { RiderPlansPageProps } from '#services/settings/plan_props'

/** 用户管理 → 套餐 for staff: the rider (of this tenant) and the plans they may sell. */
@inject()
export default class CounterPlans {
  protected plans = new RiderPlanService()

  constructor(protected tenant: TenantContext) {}

  async page(riderId: number): Promise<RiderPlansPageProps> {
    const { rider, wallet, offers, projects } = await this.tenant.run(async (trx) => ({
      rider: await this.tenant.query(Rider, trx).where('id', riderId).firstOrFail(),
      wallet: await this.tenant.query(Wallet, trx).where('rider_id', riderId).first(),
      offers: await this.tenant
        .limitToProjects(this.tenant.query(Plan, trx))
        .where('enabled', true)
        .orderBy('project_id')
        .orderBy('price_fen'),
      projects: await this.tenant
        .limitToProjects(this.tenant.query(Project, trx), 'id')
        .select('id', 'name'),
    }))
    const names = new Map(projects.map((project) => [project.id, project.name]))
    return {
      rider: {
        id: rider.id,
        name: rider.name,
        phone: rider.phone,
        status: rider.status,
        realBalance: wallet?.realBalance ?? 0,
        bonusBalance: wallet?.bonusBalance ?? 0,
      },
      plans: await this.plans.list(this.tenant, rider.id),
      offers: offers.map((plan) => ({
        id: plan.id,
        projectId: plan.projectId,
        projectName: names.get(plan.projectId) ?? '',
        ...planTerms(plan),
        enabled: plan.enabled,
      })),
    }
  }

  /** 购买套餐 at the counter: from the wallet, or cash taken (audited as the operator's). */
  async buy(
    riderId: number,
    input: { planId: number; paidBy: 'wallet' | 'cash'; idempotencyKey: string }
  ) {
    await this.tenant.run((trx) => this.tenant.query(Rider, trx).where('id', riderId).firstOrFail())
    return this.plans.purchase(this.tenant, {
      riderId,
      planId: input.planId,
      paidBy: input.paidBy,
      idempotencyKey: `counter:${input.idempotencyKey}`,
    })
  }

  refund(riderPlanId: number, reason: string) {
    return this.plans.refund(this.tenant, riderPlanId, reason)
  }
}
