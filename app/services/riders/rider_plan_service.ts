import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import LedgerEntry from '#models/ledger_entry'
import Plan, { planTerms } from '#models/plan'
import Rider from '#models/rider'
import RiderPlan, { type PlanPaidBy } from '#models/rider_plan'
import type { RiderPlanView } from '#services/settings/plan_props'
import AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import { lockWallet } from '#core/wallet/wallet_holds'
import { planUses } from '#services/orders/plan_payment'
import PlanRefusal from '#services/riders/plan_refusal'

/** Active plans a rider may hold in one project at once. */
export const MAX_ACTIVE_PLANS = 3

const DAY_MS = 24 * 3600 * 1000

export interface PlanPurchase {
  riderId: number
  planId: number
  paidBy: PlanPaidBy
  /** The page's key (or the payment's): a retried purchase buys nothing twice. */
  idempotencyKey: string
  paymentNo?: string
  /** What was paid for it (a payment): refused if the plan's price changed since. */
  priceFen?: number
}

/**
 * Riders' plans (套餐): bought from the wallet, in cash at the counter or by
 * a mobile payment (PaymentSettlement), each purchase one rider_plans row
 * and one `plan_purchase` ledger entry in one transaction; 退套餐 gives the
 * unused part back pro rata as a `plan_refund` entry. Charging on a plan is
 * plan_payment's.
 */
export default class RiderPlanService {
  constructor(
    protected wallet = new WalletService(),
    protected audit = new AuditService()
  ) {}

  /** The enabled plans of a project, cheapest first. */
  offered(tenant: TenantContext, projectId: number) {
    return tenant.run((trx) =>
      tenant
        .query(Plan, trx)
        .where({ project_id: projectId, enabled: true })
        .orderBy('price_fen')
        .orderBy('id')
    )
  }

  purchase(tenant: TenantContext, input: PlanPurchase) {
    return tenant.run((trx) => this.purchaseWithin(tenant, trx, input))
  }

  /** A purchase inside the caller's transaction (a payment's pending → paid). */
  async purchaseWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    input: PlanPurchase
  ): Promise<RiderPlan> {
    const key = `plan:${input.idempotencyKey}`
    // Serialises a rider's purchases: the count of active plans and the key check hold.
    await lockWallet(tenant, input.riderId, trx)
    const earlier = await tenant.query(RiderPlan, trx).where('idempotency_key', key).first()
    if (earlier) {
      if (earlier.riderId !== input.riderId || earlier.planId !== input.planId) {
        throw new PlanRefusal('keyReused')
      }
      return earlier
    }
    const plan = await tenant
      .limitToProjects(tenant.query(Plan, trx))
      .where({ id: input.planId, enabled: true })
      .first()
    if (!plan) throw new PlanRefusal('planNotFound')
    if (input.priceFen !== undefined && input.priceFen !== plan.priceFen) {
      throw new PlanRefusal('priceChanged')
    }
    const rider = await tenant.query(Rider, trx).where('id', input.riderId).first()
    if (!rider) throw new PlanRefusal('riderNotFound')
    if (rider.status === 'frozen') throw new PlanRefusal('riderFrozen')
    const now = DateTime.now()
    const active = await tenant
      .query(RiderPlan, trx)
      .where({ rider_id: rider.id, project_id: plan.projectId, status: 'active' })
      .where('ends_at', '>', now.toJSDate())
      .count('* as total')
    if (Number(active[0].$extras.total) >= MAX_ACTIVE_PLANS) throw new PlanRefusal('tooManyPlans')

    const riderPlan = new RiderPlan()
    riderPlan.useTransaction(trx)
    riderPlan.merge({
      tenantId: tenant.tenantId,
      projectId: plan.projectId,
      riderId: rider.id,
      planId: plan.id,
      ...planTerms(plan),
      startsAt: now,
      endsAt: now.plus({ days: plan.days }),
      status: 'active',
      paidBy: input.paidBy,
      paymentNo: input.paymentNo ?? null,
      idempotencyKey: key,
      operatorStaffId: tenant.staffId,
    })
    await riderPlan.save()
    const { entry } = await this.wallet.postWithin(
      tenant,
      {
        type: 'plan_purchase',
        riderId: rider.id,
        projectId: plan.projectId,
        amount: plan.priceFen,
        paidBy: input.paidBy,
        reference: input.paymentNo ?? plan.name,
        idempotencyKey: key,
      },
      trx
    )
    riderPlan.purchaseEntryId = entry.id
    await riderPlan.save()
    return riderPlan
  }

  /**
   * 退套餐: the unused part back into the wallet, pro rata (包月: whole days
   * left / days; 次卡: charges left / charges), in fen rounded down, real
   * and bonus money as they paid for it. Refused while a charge on it is
   * open; a second refund changes nothing.
   */
  refund(tenant: TenantContext, riderPlanId: number, reason: string) {
    return tenant.run(async (trx) => {
      const found = await this.#find(tenant, trx, riderPlanId)
      await lockWallet(tenant, found.riderId, trx)
      const riderPlan = await this.#find(tenant, trx, riderPlanId, true)
      if (riderPlan.status === 'refunded') return riderPlan
      const now = DateTime.now()
      if (riderPlan.endsAt <= now) throw new PlanRefusal('planExpired')
      const open = await trx
        .from('charging_orders')
        .where({ tenant_id: tenant.tenantId, rider_plan_id: riderPlan.id })
        .whereIn('status', ['authorised', 'charging', 'ended'])
        .first()
      if (open) throw new PlanRefusal('planInUse')

      const amount = await this.#unused(tenant, trx, riderPlan, now)
      const paid = riderPlan.purchaseEntryId
        ? await tenant.query(LedgerEntry, trx).where('id', riderPlan.purchaseEntryId).first()
        : null
      const bonusAmount =
        paid && paid.bonusOut > 0 ? Math.floor((amount * paid.bonusOut) / riderPlan.priceFen) : 0
      const posted =
        amount > 0
          ? await this.wallet.postWithin(
              tenant,
              {
                type: 'plan_refund',
                riderId: riderPlan.riderId,
                projectId: riderPlan.projectId,
                realAmount: amount - bonusAmount,
                bonusAmount,
                reason,
                reference: riderPlan.name,
                idempotencyKey: `plan-refund:${riderPlan.id}`,
              },
              trx
            )
          : null
      const entry = posted?.entry ?? null
      const before = { status: riderPlan.status }
      riderPlan.merge({
        status: 'refunded',
        refundedFen: amount,
        refundEntryId: entry?.id ?? null,
        refundedAt: now,
      })
      await riderPlan.save()
      await this.audit.recordInContext(
        tenant,
        {
          action: 'rider_plans.refund',
          projectId: riderPlan.projectId,
          target: { type: 'rider_plan', id: riderPlan.id },
          before,
          after: { status: 'refunded', refundedFen: amount, reason },
        },
        trx
      )
      return riderPlan
    })
  }

  /** A rider's plans, newest first, with their uses. */
  list(tenant: TenantContext, riderId: number, projectId?: number): Promise<RiderPlanView[]> {
    return tenant.run(async (trx) => {
      const query = tenant
        .limitToProjects(tenant.query(RiderPlan, trx))
        .where('rider_id', riderId)
        .orderBy('id', 'desc')
      if (projectId !== undefined) query.where('project_id', projectId)
      const plans = await query
      const now = DateTime.now()
      const uses = await planUses(
        tenant,
        trx,
        plans.map((plan) => plan.id),
        now
      )
      return plans.map((plan) => {
        const used = uses.get(plan.id) ?? { total: 0, today: 0 }
        return {
          id: plan.id,
          projectId: plan.projectId,
          name: plan.name,
          kind: plan.kind,
          priceFen: plan.priceFen,
          days: plan.days,
          chargesPerDay: plan.chargesPerDay,
          charges: plan.charges,
          maxHours: plan.maxHours,
          startsAt: plan.startsAt.toISO()!,
          endsAt: plan.endsAt.toISO()!,
          status:
            plan.status === 'refunded' ? 'refunded' : plan.endsAt <= now ? 'expired' : 'active',
          usedTotal: used.total,
          usedToday: used.today,
          chargesLeft: Math.max(
            0,
            plan.kind === 'count'
              ? (plan.charges ?? 0) - used.total
              : (plan.chargesPerDay ?? 0) - used.today
          ),
          refundedFen: plan.refundedFen,
          paidBy: plan.paidBy,
        }
      })
    })
  }

  async #unused(
    tenant: TenantContext,
    trx: TransactionClientContract,
    riderPlan: RiderPlan,
    now: DateTime
  ) {
    if (riderPlan.kind === 'count') {
      const uses = await planUses(tenant, trx, [riderPlan.id], now)
      const used = uses.get(riderPlan.id)
      const charges = riderPlan.charges ?? 0
      const left = Math.max(0, charges - (used?.total ?? 0))
      return Math.floor((riderPlan.priceFen * left) / charges)
    }
    // Whole days gone since the purchase count as used; the day under way does not.
    const daysUsed = Math.floor((now.toMillis() - riderPlan.startsAt.toMillis()) / DAY_MS)
    const daysLeft = Math.max(0, riderPlan.days - daysUsed)
    return Math.floor((riderPlan.priceFen * daysLeft) / riderPlan.days)
  }

  #find(tenant: TenantContext, trx: TransactionClientContract, id: number, lock = false) {
    const query = tenant.limitToProjects(tenant.query(RiderPlan, trx)).where('id', id)
    if (lock) query.forUpdate()
    return query.firstOrFail()
  }
}
