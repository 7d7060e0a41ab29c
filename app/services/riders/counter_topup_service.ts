import { inject } from '@adonisjs/core'
import Project from '#models/project'
import Rider from '#models/rider'
import TopupPackage from '#models/topup_package'
import Wallet from '#models/wallet'
import TenantContext from '#core/tenancy/tenant_context'
import TopupRefusal from '#services/riders/topup_refusal'
import WalletService from '#core/wallet/wallet_service'
import QrPaymentService from '#services/finance/qr_payment_service'
import i18nManager from '@adonisjs/i18n/services/main'
import { formatYuan } from '#sdk/money'
import type { TopupPackageOption, TopupProject, TopupRider } from '#services/riders/riders_props'

/**
 * A counter top-up: a package, or a custom amount in fen (the wallet checks
 * its range against the project's cap), with the page's once-per-submission key.
 */
export interface CounterTopupInput {
  riderId: number
  projectId: number
  packageId?: number
  realAmount?: number
  idempotencyKey: string
}

/**
 * The 充值 page: find a rider by phone, offer the project's enabled
 * packages, and take cash at the counter (线下充值) through the wallet or
 * open a QR payment (立即充值) that credits it once paid.
 */
@inject()
export default class CounterTopupService {
  constructor(
    protected tenant: TenantContext,
    protected wallet: WalletService,
    protected payments: QrPaymentService
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
          // Found by this phone.
          phone: filters.phone,
          status: found.status,
          realBalance: wallet?.realBalance ?? 0,
          bonusBalance: wallet?.bonusBalance ?? 0,
        }
      }
      return {
        projects: projects.map((row): TopupProject => ({
          id: row.id,
          name: row.name,
          topupMax: row.topupMax,
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
    const { realAmount, bonusAmount } = await this.#amounts(input)
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

  /** 立即充值: a QR payment of the package or amount; the wallet is credited when it is paid. */
  async payByQr(input: CounterTopupInput) {
    const { realAmount, bonusAmount } = await this.#amounts(input)
    await this.wallet.checkTopUp(this.tenant, {
      riderId: input.riderId,
      projectId: input.projectId,
      realAmount,
      bonusAmount: bonusAmount || undefined,
    })
    const order = await this.payments.start(this.tenant, {
      purpose: 'topup',
      projectId: input.projectId,
      riderId: input.riderId,
      amount: realAmount,
      bonusAmount,
      purposeData: input.packageId ? { packageId: input.packageId } : {},
      description: i18nManager
        .locale(i18nManager.defaultLocale)
        .t('payments.topupDescription', { amount: formatYuan(realAmount) }),
      idempotencyKey: `qr:${input.idempotencyKey}`,
    })
    const rider = await this.tenant.run((trx) =>
      this.tenant.query(Rider, trx).where('id', input.riderId).firstOrFail()
    )
    return { paymentId: order.id, phone: rider.phone }
  }

  #amounts(input: CounterTopupInput) {
    return input.packageId
      ? this.#package(input.packageId, input.projectId)
      : Promise.resolve({ realAmount: input.realAmount!, bonusAmount: 0 })
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
