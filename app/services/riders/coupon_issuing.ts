import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type TenantContext from '#core/tenancy/tenant_context'
import CouponRefusal from '#services/riders/coupon_refusal'

type LockedBatch = {
  id: number
  project_id: number
  validity: 'fixed' | 'days'
  valid_from: Date | null
  valid_until: Date | null
  valid_days: number | null
  per_rider_limit: number
  total_count: number
  issued_count: number
  status: 'active' | 'stopped'
}

const DAY_MS = 24 * 3600 * 1000

/** When a coupon issued at `now` may be used: the batch's dates, or N days from issue. */
function validityOf(batch: LockedBatch, now: Date) {
  if (batch.validity === 'fixed') return { from: batch.valid_from!, until: batch.valid_until! }
  return { from: now, until: new Date(now.getTime() + batch.valid_days! * DAY_MS) }
}

/** The batch, locked until commit: every issue of it queues here, so counts cannot race. */
async function lockBatch(tenant: TenantContext, trx: TransactionClientContract, batchId: number) {
  const batch: LockedBatch | null = await trx
    .from('coupon_batches')
    .where({ tenant_id: tenant.tenantId, id: batchId })
    .forUpdate()
    .first()
  return batch
}

/**
 * Issues one coupon of a batch to each rider in `riderIds` (distinct),
 * all or none: the batch row is locked first, so the total count and the
 * per-rider limit hold however many staff issue at once. Refuses a stopped
 * or ended batch, more coupons than are left, and a rider at the limit.
 */
export async function issueCoupons(
  tenant: TenantContext,
  trx: TransactionClientContract,
  batchId: number,
  riderIds: number[]
) {
  const batch = await lockBatch(tenant, trx, batchId)
  if (!batch) return null
  const now = new Date()
  if (batch.status !== 'active') throw new CouponRefusal('batchStopped')
  const { from, until } = validityOf(batch, now)
  if (until <= now) throw new CouponRefusal('batchEnded')
  if (batch.issued_count + riderIds.length > batch.total_count) {
    throw new CouponRefusal('soldOut')
  }
  const full = await trx
    .from('rider_coupons')
    .where({ tenant_id: tenant.tenantId, batch_id: batch.id })
    .whereIn('rider_id', riderIds)
    .groupBy('rider_id')
    .havingRaw('count(*) >= ?', [batch.per_rider_limit])
    .select('rider_id')
    .first()
  if (full) throw new CouponRefusal('riderLimit')
  if (riderIds.length > 0) {
    await trx.table('rider_coupons').multiInsert(
      riderIds.map((riderId) => ({
        tenant_id: tenant.tenantId,
        project_id: batch.project_id,
        batch_id: batch.id,
        rider_id: riderId,
        status: 'unused',
        issued_at: now,
        valid_from: from,
        expires_at: until,
        issued_by_staff_id: tenant.staffId,
        created_at: now,
        updated_at: now,
      }))
    )
    await trx
      .from('coupon_batches')
      .where('id', batch.id)
      .update({ issued_count: batch.issued_count + riderIds.length, updated_at: now })
  }
  return { batchId: batch.id, projectId: batch.project_id, issued: riderIds.length }
}

/**
 * 新用户注册 coupons: one of each active sign-up batch of the project the
 * rider signed up at, in the sign-up's transaction (an account is created
 * once, so it is given once). A batch used up or ended gives nothing; the
 * sign-up goes on.
 */
export async function grantSignUpCoupons(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number,
  projectId: number
) {
  const batches = await trx
    .from('coupon_batches')
    .where({
      tenant_id: tenant.tenantId,
      project_id: projectId,
      issue_rule: 'first_sign_in',
      status: 'active',
    })
    .whereRaw('issued_count < total_count')
    .orderBy('id')
    .select('id')
  let granted = 0
  for (const { id } of batches) {
    // issueCoupons checks before it writes: a refusal leaves nothing to undo.
    try {
      await issueCoupons(tenant, trx, Number(id), [riderId])
      granted += 1
    } catch (error) {
      if (!(error instanceof CouponRefusal)) throw error
    }
  }
  return granted
}
