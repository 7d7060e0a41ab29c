import { inject } from '@adonisjs/core'
import Project from '#models/project'
import Rider from '#models/rider'
import TopupPackage from '#models/topup_package'
import Wallet from '#models/wallet'
import TenantContext from '#services/tenancy/tenant_context'
import TopupRefusal from '#services/topup/topup_refusal'
import WalletService from '#services/wallet/wallet_service'
import type { CounterTopupInput } from '#validators/topup_validator'

// Type aliases, not interfaces: Inertia props must be plain JSON types.
export type TopupRider = {
  id: number
  name: string
  phone: string
  status: 'normal' | 'frozen'
  realBalance: number
  bonusBalance: number
}
export type TopupProject = { id: number; name: string; topupMax: number }
export type TopupPackageOption = { id: number; amount: number; bonus: number }

/**
 * The 充值 page: find a rider by phone, offer the project's enabled
 * packages, and take cash at the counter (线下充值) through the wallet.
 */
@inject()
export default class CounterTopupService {
  constructor(
    protected tenant: TenantContext,
    protected wallet: WalletService
  ) {}

  /** The projects the staff member may top up in, the chosen one's packages, and the rider. */
  desk(filters: { phone?: string; projectId?: number }) {
    return this.tenant.run(async (trx) => {
      const projects = await this.tenant
        .limitToProjects(this.tenant.query(Project, trx), 'id')
        .where('status', 'active')
        .orderBy('id')
        .select('id', 'name', 'topup_max')
      const project =
        projects.find((candidate) => candidate.id === filters.projectId) ?? projects[0] ?? null
      const packages = project
        ? await this.tenant
            .query(TopupPackage, trx)
            .where({ project_id: project.id, enabled: true })
            .orderBy('sort_order')
            .orderBy('id')
        : []

      let rider: TopupRider | null = null
      if (filters.phone) {
        const found = await this.tenant.query(Rider, trx).where('phone', filters.phone).first()
        const wallet = found
          ? await this.tenant.query(Wallet, trx).where('rider_id', found.id).first()
          : null
        rider = found && {
          id: found.id,
          name: found.name,
          phone: found.phone,
          status: found.status,
          realBalance: wallet?.realBalance ?? 0,
          bonusBalance: wallet?.bonusBalance ?? 0,
        }
      }
      return {
        projects: projects.map((row): TopupProject => ({
          id: row.id,
          name: row.name,
          topupMax: Number(row.$extras.topup_max),
        })),
        projectId: project?.id ?? null,
        packages: packages.map((row): TopupPackageOption => ({
          id: row.id,
          amount: row.amount,
          bonus: row.bonus,
        })),
        rider,
      }
    })
  }

  /** 线下充值: a package or a custom amount, posted once per idempotency key. */
  async topUp(input: CounterTopupInput) {
    const { realAmount, bonusAmount } = input.packageId
      ? await this.#package(input.packageId, input.projectId)
      : { realAmount: input.realAmount!, bonusAmount: 0 }
    const result = await this.wallet.topUpCash(this.tenant, {
      riderId: input.riderId,
      projectId: input.projectId,
      realAmount,
      bonusAmount: bonusAmount || undefined,
      // Namespaced: keys of other channels can never meet the page's keys.
      idempotencyKey: `counter:${input.idempotencyKey}`,
    })
    const rider = await this.tenant.run((trx) =>
      this.tenant.query(Rider, trx).where('id', input.riderId).firstOrFail()
    )
    return { duplicate: result.duplicate, phone: rider.phone }
  }

  #package(packageId: number, projectId: number) {
    return this.tenant.run(async (trx) => {
      const found = await this.tenant
        .query(TopupPackage, trx)
        .where({ id: packageId, project_id: projectId, enabled: true })
        .first()
      if (!found) throw new TopupRefusal('packageNotFound')
      return { realAmount: found.amount, bonusAmount: found.bonus }
    })
  }
}
