import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { computeCharge } from '#core/billing/tariff'
import type TenantContext from '#core/tenancy/tenant_context'
import type ChargingOrder from '#models/charging_order'
import type { CouponKind } from '#models/coupon_batch'

/** What a coupon takes off: an amount, or hours of the charge. */
export type CouponTerms = { kind: CouponKind; amountFen: number | null; freeHours: number | null }

type BilledOrder = Pick<
  ChargingOrder,
  'tariff' | 'capFen' | 'amountFen' | 'durationSeconds' | 'energyWh' | 'maxPowerDeciwatts'
>

/** Candidates looked at per settlement: a rider hoarding coupons still settles quickly. */
const CANDIDATE_LIMIT = 50

/**
 * The discount a coupon gives on an order's bill, in fen, never above it:
 * 立减 its amount; 免费时长 the bill less the bill of the charge with that
 * much time taken off (energy in proportion), under the same tariff and cap.
 */
export function couponDiscount(terms: CouponTerms, order: BilledOrder): number {
  const bill = Math.max(0, order.amountFen)
  if (terms.kind === 'amount_off') return Math.min(bill, terms.amountFen ?? 0)
  const seconds = Math.max(0, order.durationSeconds)
  const rest = Math.max(0, seconds - (terms.freeHours ?? 0) * 3600)
  const restBill = computeCharge(
    order.tariff,
    {
      durationSeconds: rest,
      energyWattHours: seconds === 0 ? 0 : Math.floor((order.energyWh * rest) / seconds),
      maxPowerDeciwatts: order.maxPowerDeciwatts,
    },
    order.capFen
  ).amountFen
  return Math.max(0, Math.min(bill, bill - restBill))
}

/**
 * 优惠券 at settlement: the rider's usable coupon of the order's project
 * that takes the most off (the sooner expiring on a tie) is marked used on
 * this order, inside the settlement's transaction (so a settlement rolled
 * back gives it back, and the order lock means one use per order). The
 * coupon rows are locked: two orders settling at once cannot both use one.
 * Returns the discount, recorded on the order (not yet saved).
 */
export async function applyBestCoupon(
  tenant: TenantContext,
  trx: TransactionClientContract,
  order: ChargingOrder
): Promise<number> {
  if (order.riderId === null || order.amountFen <= 0) return 0
  const at = (order.endedAt ?? DateTime.now()).toJSDate()
  const candidates = await trx
    .from('rider_coupons as c')
    .join('coupon_batches as b', 'b.id', 'c.batch_id')
    .where({
      'c.tenant_id': tenant.tenantId,
      'c.rider_id': order.riderId,
      'c.project_id': order.projectId,
      'c.status': 'unused',
    })
    .where('c.valid_from', '<=', at)
    .where('c.expires_at', '>', at)
    .orderBy('c.expires_at')
    .orderBy('c.id')
    .limit(CANDIDATE_LIMIT)
    .forUpdate('c')
    .select('c.id', 'b.kind', 'b.amount_fen', 'b.free_hours')
  let best: { id: number; discount: number } | null = null
  for (const row of candidates) {
    const discount = couponDiscount(
      { kind: row.kind, amountFen: row.amount_fen, freeHours: row.free_hours },
      order
    )
    if (discount > (best?.discount ?? 0)) best = { id: Number(row.id), discount }
  }
  if (!best) return 0
  await trx.from('rider_coupons').where({ tenant_id: tenant.tenantId, id: best.id }).update({
    status: 'used',
    used_on_order_id: order.id,
    discount_fen: best.discount,
    used_at: new Date(),
    updated_at: new Date(),
  })
  order.merge({ riderCouponId: best.id, couponDiscountFen: best.discount })
  return best.discount
}
