import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import ChargingOrder, { OPEN_STATUSES } from '#models/charging_order'
import type TenantContext from '#core/tenancy/tenant_context'

/*
| Finding a port's orders and holding its port, inside the caller's tenant
| transaction: what the session events, the settlement and remote control
| share.
*/

export type ChargingPile = {
  id: number
  project_id: number
  station_id: number
  vendor_id: number
  vendor_name: string
  device_key: string
  status: 'active' | 'disabled'
  online: boolean
}

export async function findPile(
  tenant: TenantContext,
  trx: TransactionClientContract,
  pileId: number
): Promise<ChargingPile | null> {
  const pile = await trx
    .from('piles as p')
    .join('vendors as v', 'v.id', 'p.vendor_id')
    .where({ 'p.tenant_id': tenant.tenantId, 'p.id': pileId })
    .select(
      'p.id',
      'p.project_id',
      'p.station_id',
      'p.vendor_id',
      'v.name as vendor_name',
      'p.device_key',
      'p.status',
      'p.online'
    )
    .first()
  return pile ?? null
}

/**
 * Starts and ends of one port run one at a time (until commit), so two
 * copies of a record for an order we never saw open one order, not two.
 */
export function serializePort(trx: TransactionClientContract, pileId: number, portNo: number) {
  return trx.rawQuery(`SELECT pg_advisory_xact_lock(hashtext('charging-port:' || ? || ':' || ?))`, [
    pileId,
    portNo,
  ])
}

/** The port row, locked: two starts on one port queue up here. */
export function lockPort(
  tenant: TenantContext,
  trx: TransactionClientContract,
  pileId: number,
  portNo: number
) {
  return trx
    .from('pile_ports')
    .where({ tenant_id: tenant.tenantId, pile_id: pileId, port_no: portNo })
    .forUpdate()
    .first()
}

export async function portTaken(
  tenant: TenantContext,
  trx: TransactionClientContract,
  pileId: number,
  portNo: number
) {
  return (await openOrder(tenant, trx, pileId, portNo, OPEN_STATUSES, null)) !== null
}

export function holdPort(
  trx: TransactionClientContract,
  pileId: number,
  portNo: number,
  orderNo: string
) {
  return trx
    .from('pile_ports')
    .where({ pile_id: pileId, port_no: portNo })
    .update({ current_order_no: orderNo })
}

export function releasePort(
  trx: TransactionClientContract,
  pileId: number,
  portNo: number,
  orderNo: string
) {
  return trx
    .from('pile_ports')
    .where({ pile_id: pileId, port_no: portNo, current_order_no: orderNo })
    .update({ current_order_no: null })
}

/** An order named by our number or the pile's transaction reference. */
export async function findOrder(
  tenant: TenantContext,
  trx: TransactionClientContract,
  pileId: number,
  ref: { orderNo: string | null; transactionRef?: string | null },
  lock = false
): Promise<ChargingOrder | null> {
  const lookups: [string, string][] = []
  if (ref.orderNo) lookups.push(['order_no', ref.orderNo], ['transaction_ref', ref.orderNo])
  if (ref.transactionRef) lookups.push(['transaction_ref', ref.transactionRef])
  for (const [column, value] of lookups) {
    const query = tenant
      .query(ChargingOrder, trx)
      .where({ pile_id: pileId, [column]: value })
      .orderBy('id', 'desc')
    if (lock) query.forUpdate()
    const found = await query.first()
    if (found) return found
  }
  return null
}

/** The newest open order of a port (optionally the card's). */
export async function openOrder(
  tenant: TenantContext,
  trx: TransactionClientContract,
  pileId: number,
  portNo: number,
  statuses: readonly string[],
  cardNo: string | null,
  lock = false
): Promise<ChargingOrder | null> {
  const query = tenant
    .query(ChargingOrder, trx)
    .where('pile_id', pileId)
    .whereIn('status', [...statuses])
    .orderBy('id', 'desc')
  if (cardNo) {
    // A card authorised without a port (OCPP) starts on whichever port the charge names.
    query.where((port) => port.where('port_no', portNo).orWhereNull('port_no'))
    query.where('card_no', cardNo)
  } else {
    query.where('port_no', portNo)
  }
  if (lock) query.forUpdate()
  return query.first()
}
