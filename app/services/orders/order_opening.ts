import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import ChargingOrder, { type ChargeDuration, type OrderChannel } from '#models/charging_order'
import { DEFAULT_TARIFF, priceOfHours, type Tariff } from '#core/billing/tariff'
import type TenantContext from '#core/tenancy/tenant_context'
import type { ChargingPile } from '#services/orders/charging_ports'
import { newOrderNumber } from '#services/orders/order_numbers'

/*
| Opening an order, inside the caller's tenant transaction: the tariff it
| copies, the cap the wallet allows, and the row itself. Card swipes, starts
| the pile reports, end records of unseen charges and remote starts all
| open orders here.
*/

export type ProjectTariff = { id: number | null; rules: Tariff }

/** The project's tariff in force (its newest version), or the default one. */
export async function projectTariff(
  tenant: TenantContext,
  trx: TransactionClientContract,
  projectId: number
): Promise<ProjectTariff> {
  const row = await trx
    .from('tariffs')
    .where({ tenant_id: tenant.tenantId, project_id: projectId })
    .orderBy('version', 'desc')
    .first()
  return row
    ? { id: row.id as number, rules: row.rules as Tariff }
    : { id: null, rules: DEFAULT_TARIFF }
}

/**
 * What a charge of `duration` may bill, or null when the wallet cannot
 * afford a start: nothing is held, so the cap is the least of the
 * duration's price and the spendable balance (real + bonus + the project's
 * overdraft limit), which must reach the tariff's minimum (the whole amount
 * for a fixed-amount charge).
 */
export async function chargeCap(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number,
  projectId: number,
  tariff: { rules: Tariff },
  duration: ChargeDuration
): Promise<number | null> {
  const wallet = await trx
    .from('wallets')
    .where({ tenant_id: tenant.tenantId, rider_id: riderId })
    .first()
  const project = await trx
    .from('projects')
    .where('id', projectId)
    .select('overdraft_limit')
    .first()
  const spendable = Math.max(
    0,
    (wallet?.real_balance ?? 0) + (wallet?.bonus_balance ?? 0) + (project?.overdraft_limit ?? 0)
  )
  const wanted =
    duration.kind === 'full'
      ? tariff.rules.fullPrepaidFen
      : duration.kind === 'amount'
        ? duration.fen
        : priceOfHours(tariff.rules, duration.hours)
  const needed = duration.kind === 'amount' ? duration.fen : Math.max(1, tariff.rules.minimumFen)
  if (spendable < needed) return null
  return Math.min(wanted, spendable)
}

export type NewOrder = {
  pile: ChargingPile
  portNo: number | null
  riderId: number | null
  cardNo: string | null
  channel: OrderChannel
  duration: ChargeDuration
  cap: number | null
  tariff: ProjectTariff
  status: 'authorised' | 'charging' | 'cancelled'
  cancelReason?: string | null
  at: Date
  transactionRef?: string | null
  meterStartWattHours?: number | null
  /** Platform time the start is confirmed; null for an order known only from its end record or not started. */
  confirmedAt?: Date | null
}

export async function createOrder(
  tenant: TenantContext,
  trx: TransactionClientContract,
  input: NewOrder
): Promise<ChargingOrder> {
  const maxSeconds =
    input.duration.kind === 'hours'
      ? Math.min(input.duration.hours, input.tariff.rules.maxHours) * 3600
      : input.tariff.rules.maxHours * 3600
  const confirmedAt = input.confirmedAt ?? null
  for (let attempt = 0; ; attempt += 1) {
    // Inserted by hand for ON CONFLICT DO NOTHING, which a model's save cannot say.
    const rows = await trx
      .knexQuery()
      .table(ChargingOrder.table)
      .insert({
        tenant_id: tenant.tenantId,
        order_no: newOrderNumber(),
        project_id: input.pile.project_id,
        station_id: input.pile.station_id,
        pile_id: input.pile.id,
        port_no: input.portNo,
        vendor_id: input.pile.vendor_id,
        vendor_name: input.pile.vendor_name,
        device_key: input.pile.device_key,
        rider_id: input.riderId,
        card_no: input.cardNo,
        channel: input.channel,
        duration_type: input.duration.kind,
        duration_hours: input.duration.kind === 'hours' ? input.duration.hours : null,
        cap_fen: input.cap,
        tariff_id: input.tariff.id,
        tariff: JSON.stringify(input.tariff.rules),
        status: input.status,
        cancel_reason: input.cancelReason ?? null,
        started_at: input.status === 'charging' ? input.at : null,
        start_confirmed_at: confirmedAt,
        last_seen_at: confirmedAt,
        max_duration_seconds: maxSeconds,
        transaction_ref: input.transactionRef ?? null,
        meter_start_wh: input.meterStartWattHours ?? null,
        created_at: input.at,
        updated_at: new Date(),
      })
      .onConflict('order_no')
      .ignore()
      .returning('*')
    // A random number taken already (one in 36^10 a day): draw again.
    if (rows.length > 0) {
      const order = ChargingOrder.$createFromAdapterResult(rows[0])!
      order.useTransaction(trx)
      return order
    }
    if (attempt > 5) throw new Error('Could not draw a free order number')
  }
}
