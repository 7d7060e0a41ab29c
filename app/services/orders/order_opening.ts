import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import ChargingOrder, { type ChargeDuration, type OrderChannel } from '#models/charging_order'
import { DEFAULT_TARIFF, priceOfHours, type Tariff } from '#core/billing/tariff'
import type TenantContext from '#core/tenancy/tenant_context'
import { lockForOpening, placeHold, type OpeningWallet } from '#core/wallet/wallet_holds'
import type { ChargingPile } from '#services/orders/charging_ports'
import { newOrderNumber } from '#services/orders/order_numbers'
import { planDuration, usablePlan } from '#services/orders/plan_payment'

/*
| Opening an order, inside the caller's tenant transaction: the tariff it
| copies, the cap the wallet allows (held in the wallet), and the row
| itself. Card swipes, starts the pile reports, end records of unseen
| charges and remote starts all open orders here.
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

/** The cap a wallet allows an order, with the wallet locked to reserve it (createOrder's `wallet`). */
export type WalletCap = { cap: number; wallet: OpeningWallet }

/**
 * What a charge of `duration` may bill, or null when the wallet cannot
 * afford a start. The rider's wallet is locked until commit and the cap is
 * the least of the duration's price and the available balance (open holds
 * of other orders taken off, plus the project's overdraft limit), which
 * must reach the tariff's minimum (the whole amount for a fixed-amount
 * charge). createOrder then holds the cap.
 */
export async function chargeCap(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number,
  projectId: number,
  tariff: { rules: Tariff },
  duration: ChargeDuration
): Promise<WalletCap | null> {
  const wallet = await lockForOpening(tenant, trx, riderId, projectId)
  // A usable plan pays instead (plan_payment): the order bills nothing.
  if (await usablePlan(tenant, trx, riderId, projectId)) return { cap: 0, wallet }
  const wanted =
    duration.kind === 'full'
      ? tariff.rules.fullPrepaidFen
      : duration.kind === 'amount'
        ? duration.fen
        : priceOfHours(tariff.rules, duration.hours)
  const needed = duration.kind === 'amount' ? duration.fen : Math.max(1, tariff.rules.minimumFen)
  if (wallet.spendable < needed) return null
  return { cap: Math.min(wanted, wallet.spendable), wallet }
}

export type NewOrder = {
  pile: ChargingPile
  portNo: number | null
  riderId: number | null
  cardNo: string | null
  channel: OrderChannel
  duration: ChargeDuration
  cap: number | null
  /** The wallet chargeCap locked: an order that opens (not cancelled) holds its cap there. */
  wallet?: OpeningWallet | null
  tariff: ProjectTariff
  status: 'authorised' | 'charging' | 'cancelled'
  cancelReason?: string | null
  at: Date
  transactionRef?: string | null
  meterStartWattHours?: number | null
  /** Platform time the start is confirmed; null for an order known only from its end record or not started. */
  confirmedAt?: Date | null
  /** 扫码即充: the payment that prepaid the cap. */
  paymentOrderId?: number | null
  /** 免费测试: staff's test charge without a rider, capped at nothing. */
  freeTest?: boolean
}

export async function createOrder(
  tenant: TenantContext,
  trx: TransactionClientContract,
  input: NewOrder
): Promise<ChargingOrder> {
  // The plan chargeCap found (still locked in this transaction) pays a wallet-checked start.
  const plan =
    input.wallet && input.riderId !== null && input.status !== 'cancelled'
      ? await usablePlan(tenant, trx, input.riderId, input.pile.project_id)
      : null
  const duration = plan ? planDuration(input.duration, plan) : input.duration
  const maxHours = Math.min(input.tariff.rules.maxHours, plan?.maxHours ?? Infinity)
  const maxSeconds =
    duration.kind === 'hours' ? Math.min(duration.hours, maxHours) * 3600 : maxHours * 3600
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
        duration_type: duration.kind,
        duration_hours: duration.kind === 'hours' ? duration.hours : null,
        cap_fen: plan ? 0 : input.cap,
        rider_plan_id: plan?.riderPlanId ?? null,
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
        payment_order_id: input.paymentOrderId ?? null,
        free_test: input.freeTest ?? false,
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
      if (
        !plan &&
        input.wallet &&
        input.cap !== null &&
        order.riderId !== null &&
        input.status !== 'cancelled'
      ) {
        await placeHold(
          tenant,
          trx,
          input.wallet,
          { id: order.id, riderId: order.riderId, projectId: order.projectId },
          input.cap
        )
      }
      return order
    }
    if (attempt > 5) throw new Error('Could not draw a free order number')
  }
}
