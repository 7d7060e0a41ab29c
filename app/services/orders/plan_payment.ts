import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import type { ChargeDuration } from '#models/charging_order'
import type TenantContext from '#core/tenancy/tenant_context'

/*
| Charging on a plan (套餐支付): a rider holding a usable plan of the pile's
| project charges on it instead of the wallet. The order names the plan
| (rider_plan_id), holds nothing, is capped at nothing (it bills 0) and at
| the plan's max hours. A plan's uses are the orders naming it (cancelled
| and refunded ones excepted), counted under the plan row's lock, so two
| starts at once cannot both take its last charge, and a settlement (or a
| second one) changes no count.
*/

/** Orders that do not use up a charge: never started, or given back by staff. */
const NOT_USED = ['cancelled', 'refunded']

export const PLAN_TIMEZONE = 'Asia/Shanghai'

/** The plan paying an order: its id and the longest charge it allows. */
export type PlanUse = { riderPlanId: number; maxHours: number }

type PlanTerms = {
  id: number
  kind: 'monthly' | 'count'
  charges: number | null
  charges_per_day: number | null
  max_hours: number
}

/** Uses of rider plans: in all, and since the start of today in Asia/Shanghai. */
export async function planUses(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderPlanIds: number[],
  now: DateTime = DateTime.now()
): Promise<Map<number, { total: number; today: number }>> {
  const uses = new Map<number, { total: number; today: number }>()
  if (riderPlanIds.length === 0) return uses
  const today = now.setZone(PLAN_TIMEZONE).startOf('day').toJSDate()
  const rows = await trx
    .from('charging_orders')
    .where('tenant_id', tenant.tenantId)
    .whereIn('rider_plan_id', riderPlanIds)
    .whereNotIn('status', NOT_USED)
    .groupBy('rider_plan_id')
    .select('rider_plan_id')
    .select(trx.raw('count(*)::int AS total'))
    .select(trx.raw('(count(*) FILTER (WHERE created_at >= ?))::int AS today', [today]))
  for (const row of rows)
    uses.set(Number(row.rider_plan_id), { total: row.total, today: row.today })
  return uses
}

/** Whether a plan has a charge left now, given its uses. */
export function hasChargeLeft(plan: PlanTerms, used: { total: number; today: number }) {
  return plan.kind === 'count'
    ? used.total < (plan.charges ?? 0)
    : used.today < (plan.charges_per_day ?? 0)
}

/**
 * The rider's plan that can pay a charge in this project now (the one
 * ending soonest), locked until the caller commits; null when none can.
 */
export async function usablePlan(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number,
  projectId: number
): Promise<PlanUse | null> {
  const now = new Date()
  const plans: PlanTerms[] = await trx
    .from('rider_plans')
    .where({ tenant_id: tenant.tenantId, rider_id: riderId, project_id: projectId })
    .where('status', 'active')
    .where('starts_at', '<=', now)
    .where('ends_at', '>', now)
    .orderBy('ends_at')
    .orderBy('id')
    .forUpdate()
    .select('id', 'kind', 'charges', 'charges_per_day', 'max_hours')
  const uses = await planUses(
    tenant,
    trx,
    plans.map((plan) => plan.id)
  )
  const plan = plans.find((terms) =>
    hasChargeLeft(terms, uses.get(terms.id) ?? { total: 0, today: 0 })
  )
  return plan ? { riderPlanId: plan.id, maxHours: plan.max_hours } : null
}

/** A charge on a plan: fixed amounts become the plan's hours; no charge outlasts them. */
export function planDuration(duration: ChargeDuration, plan: PlanUse): ChargeDuration {
  if (duration.kind === 'hours') {
    return { kind: 'hours', hours: Math.min(duration.hours, plan.maxHours) }
  }
  return duration.kind === 'amount' ? { kind: 'hours', hours: plan.maxHours } : duration
}
