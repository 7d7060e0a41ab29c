import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletRefusal from '#core/wallet/wallet_refusal'
import WalletHold from '#models/wallet_hold'
import type { DeductionOrder } from '#core/wallet/deduction_order'

/*
| Wallet holds (冻结): a wallet-paid order reserves its cap when it opens,
| under the wallet's row lock, so two orders of one rider started at once
| cannot both be capped at the whole balance. The available balance is the
| balance minus the open holds, real and bonus money apart, split the way a
| settlement takes a deduction (the project's deduction order; only real
| money may go below zero, down to the overdraft limit). A hold is not a
| balance change: no ledger entry, the deduction stays the one entry.
*/

export interface LockedWallet {
  id: number
  realBalance: number
  bonusBalance: number
  riderStatus: 'normal' | 'frozen'
}

export interface SpendingRules {
  deductionOrder: DeductionOrder
  overdraftLimit: number
}

export interface Money {
  real: number
  bonus: number
}

/** The rider's wallet, locked until commit; opened on the first use. */
export async function lockWallet(
  tenant: TenantContext,
  riderId: number,
  trx: TransactionClientContract
): Promise<LockedWallet> {
  const select = () =>
    trx.rawQuery(
      `SELECT w.id, w.real_balance, w.bonus_balance, r.status
         FROM wallets w JOIN riders r ON r.id = w.rider_id
        WHERE w.rider_id = ? AND w.tenant_id = ?
        FOR UPDATE OF w`,
      [riderId, tenant.tenantId]
    )
  let locked = await select()
  if (locked.rows.length === 0) {
    await trx.rawQuery(
      `INSERT INTO wallets (tenant_id, rider_id)
       SELECT tenant_id, id FROM riders WHERE id = ? AND tenant_id = ?
       ON CONFLICT (rider_id) DO NOTHING`,
      [riderId, tenant.tenantId]
    )
    locked = await select()
    if (locked.rows.length === 0) throw new WalletRefusal('riderNotFound')
  }
  const [row] = locked.rows
  return {
    id: row.id,
    realBalance: row.real_balance,
    bonusBalance: row.bonus_balance,
    riderStatus: row.status,
  }
}

/** The sum of a rider's open holds, leaving out the hold of order `exceptOrderNo` if given. */
export async function heldOf(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number,
  exceptOrderNo: string | null = null
): Promise<Money> {
  const query = trx
    .from('wallet_holds as h')
    .where({ 'h.tenant_id': tenant.tenantId, 'h.rider_id': riderId, 'h.status': 'open' })
  if (exceptOrderNo !== null) {
    query.whereNotExists((orders) =>
      orders
        .from('charging_orders as o')
        .whereColumn('o.id', 'h.order_id')
        .where('o.order_no', exceptOrderNo)
    )
  }
  const row = await query
    .select(trx.raw('COALESCE(SUM(h.real_fen), 0)::bigint AS real'))
    .select(trx.raw('COALESCE(SUM(h.bonus_fen), 0)::bigint AS bonus'))
    .first()
  return { real: Number(row?.real ?? 0), bonus: Number(row?.bonus ?? 0) }
}

/** What a wallet still has, open holds taken off. */
export function available(wallet: LockedWallet, held: Money): Money {
  return { real: wallet.realBalance - held.real, bonus: wallet.bonusBalance - held.bonus }
}

/** The most a deduction may take from `money`: its bonus and its real money down to the overdraft limit. */
export function spendable(money: Money, rules: SpendingRules): number {
  return Math.max(0, money.bonus) + Math.max(0, money.real + rules.overdraftLimit)
}

/**
 * How a deduction of `amount` splits between real and bonus money, as the
 * settlement takes it, or null when `money` cannot pay it.
 */
export function splitDeduction(
  amount: number,
  money: Money,
  rules: SpendingRules
): { realOut: number; bonusOut: number } | null {
  // What real money takes before bonus in real-first order: only what is above zero.
  const realFirst =
    rules.deductionOrder === 'real_first' ? Math.min(Math.max(money.real, 0), amount) : 0
  const bonusOut = Math.max(0, Math.min(money.bonus, amount - realFirst))
  const realOut = amount - bonusOut
  // Only real money may go below zero, and only as far as the project allows; a
  // wallet already overdrawn elsewhere may still spend its bonus.
  if (realOut > 0 && money.real - realOut < -rules.overdraftLimit) return null
  return { realOut, bonusOut }
}

export async function spendingRules(
  tenant: TenantContext,
  trx: TransactionClientContract,
  projectId: number
): Promise<SpendingRules> {
  const project = await trx
    .from('projects')
    .where({ id: projectId, tenant_id: tenant.tenantId })
    .select('deduction_order', 'overdraft_limit')
    .first()
  if (!project) throw new WalletRefusal('projectNotFound')
  return { deductionOrder: project.deduction_order, overdraftLimit: project.overdraft_limit }
}

/** A rider's wallet locked for a new order, with what it may still spend. */
export interface OpeningWallet {
  wallet: LockedWallet
  rules: SpendingRules
  available: Money
  spendable: number
}

/** Locks the rider's wallet and reads what an order opening now may reserve. */
export async function lockForOpening(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number,
  projectId: number
): Promise<OpeningWallet> {
  const wallet = await lockWallet(tenant, riderId, trx)
  const rules = await spendingRules(tenant, trx, projectId)
  const free = available(wallet, await heldOf(tenant, trx, riderId))
  return { wallet, rules, available: free, spendable: spendable(free, rules) }
}

/**
 * Reserves `amount` (at most `opening.spendable`) for order `orderId`, in
 * the transaction that inserted it and under the lock lockForOpening took.
 */
export async function placeHold(
  tenant: TenantContext,
  trx: TransactionClientContract,
  opening: OpeningWallet,
  order: { id: number; riderId: number; projectId: number },
  amount: number
): Promise<void> {
  if (amount <= 0) return
  const split = splitDeduction(amount, opening.available, opening.rules)
  if (!split) throw new WalletRefusal('insufficientBalance')
  const now = new Date()
  await trx.knexQuery().table('wallet_holds').insert({
    tenant_id: tenant.tenantId,
    project_id: order.projectId,
    wallet_id: opening.wallet.id,
    rider_id: order.riderId,
    order_id: order.id,
    real_fen: split.realOut,
    bonus_fen: split.bonusOut,
    status: 'open',
    created_at: now,
    updated_at: now,
  })
}

/**
 * The settlement of order `orderId` took `deducted` fen: its open hold
 * becomes that deduction and the rest is free again. A hold already
 * settled or released is left as it is, so a retry changes nothing.
 */
export async function settleHold(
  tenant: TenantContext,
  trx: TransactionClientContract,
  orderId: number,
  deducted: number
): Promise<void> {
  const now = new Date()
  await trx
    .from('wallet_holds')
    .where({ tenant_id: tenant.tenantId, order_id: orderId, status: 'open' })
    .update({ status: 'settled', settled_fen: deducted, settled_at: now, updated_at: now })
}

/**
 * Frees the open holds of orders `orderNos` that are no longer open
 * (authorised, charging) or awaiting settlement (ended): cancelled,
 * abnormal, refunded. Safe to call again, and with orders that hold nothing.
 */
export async function releaseHolds(
  tenant: TenantContext,
  trx: TransactionClientContract,
  orderNos: string[]
): Promise<void> {
  if (orderNos.length === 0) return
  const now = new Date()
  await trx
    .from('wallet_holds')
    .where({ tenant_id: tenant.tenantId, status: 'open' })
    .whereIn('order_id', (orders) =>
      orders
        .from('charging_orders')
        .where('tenant_id', tenant.tenantId)
        .whereIn('order_no', orderNos)
        .whereNotIn('status', ['authorised', 'charging', 'ended'])
        .select('id')
    )
    .update({ status: 'released', released_at: now, updated_at: now })
}

/**
 * An order whose hold was released (a start reported after the no_start
 * timeout) charges after all: its hold is taken again, at most `cap` and at
 * most what the wallet can still spend. Returns the amount now held, the
 * order's new cap. An order that never held anything keeps its cap.
 */
export async function reopenHold(
  tenant: TenantContext,
  trx: TransactionClientContract,
  order: { id: number; riderId: number; projectId: number },
  cap: number
): Promise<number> {
  const hold = await tenant.query(WalletHold, trx).where('order_id', order.id).first()
  if (!hold || hold.status !== 'released') return cap
  const opening = await lockForOpening(tenant, trx, order.riderId, order.projectId)
  const amount = Math.min(cap, opening.spendable)
  const split = amount > 0 ? splitDeduction(amount, opening.available, opening.rules) : null
  if (!split) return 0
  hold.merge({ status: 'open', realFen: split.realOut, bonusFen: split.bonusOut, releasedAt: null })
  await hold.save()
  return amount
}

/**
 * A select column: the open holds of the rider named by `riderColumn`
 * (`tenantColumn` its tenant), `part` real or bonus, in fen.
 */
export function openHeldColumn(
  part: 'real' | 'bonus',
  riderColumn: string,
  tenantColumn: string,
  alias: string
): string {
  return `(SELECT COALESCE(SUM(h.${part}_fen), 0) FROM wallet_holds h
            WHERE h.tenant_id = ${tenantColumn} AND h.rider_id = ${riderColumn}
              AND h.status = 'open')::bigint AS ${alias}`
}
