import AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import PlanService, { type PlanInput } from '#services/settings/plan_service'
import RiderPlanService from '#services/riders/rider_plan_service'
import { charging, endRecord, owner, startSeen } from '#tests/functional/charging/helpers'
import type { chargingFixture } from '#tests/functional/charging/helpers'

export type Fixture = Awaited<ReturnType<typeof chargingFixture>>

export const riderPlans = new RiderPlanService()

/** ¥30 for 30 days, 2 charges a day of at most 4 hours. */
export const MONTHLY = {
  kind: 'monthly',
  name: '包月 30 天',
  priceFen: 3000,
  days: 30,
  chargesPerDay: 2,
  maxHours: 4,
  enabled: true,
} as const

/** ¥20 for 10 charges within 90 days, at most 6 hours each. */
export const COUNT_CARD = {
  kind: 'count',
  name: '10 次卡',
  priceFen: 2000,
  days: 90,
  charges: 10,
  maxHours: 6,
  enabled: true,
} as const

export function definePlan(
  tenant: TenantContext,
  projectId: number,
  terms: Omit<PlanInput, 'projectId'>
) {
  return new PlanService(tenant, new AuditService()).create({ ...terms, projectId })
}

/** A card swipe on port 1 started, ended after `minutes` at 150 W and settled: the order number. */
export async function chargeOnce(fixture: Fixture, minutes = 60) {
  const decision = await charging.starts.authorizeCard(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    cardNo: fixture.cardNo,
    at: new Date(),
  })
  if (!decision.authorised) throw new Error(`swipe refused: ${decision.reason}`)
  await charging.starts.confirmStart(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    orderNo: decision.orderNo,
    at: new Date(Date.now() - minutes * 60_000),
  })
  await startSeen(decision.orderNo, minutes * 60)
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, decision.orderNo, { minutes, watts: 150 })
  )
  return { orderNo: decision.orderNo, decision }
}

export function ledgerOf(riderId: number) {
  return owner()
    .from('ledger_entries')
    .where('rider_id', riderId)
    .orderBy('id')
    .select('detail_type', 'real_in', 'real_out', 'bonus_in', 'bonus_out', 'real_after')
}
