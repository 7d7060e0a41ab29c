import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { PORT_STATES, type PortState } from '#models/pile_port'
import LiveEvents from '#core/live/live_events'

/*
| Writing what piles report of their ports, inside the tenant's
| transaction, and telling open pages (live events). Used by
| DeviceEventService for heartbeats, port notifications and going offline.
*/

export type PortReport = {
  portNo: number
  state: Exclude<PortState, 'offline'>
  /** 0.1 W. */
  powerDeciwatts?: number
  faultCode?: string | null
}

/**
 * The reported ports in one statement; only rows that change are written
 * (their `updated_at` moves), and those are returned. The last report of
 * a port named twice wins, as it would one after another.
 */
export async function writePortStates(
  trx: TransactionClientContract,
  pileId: number,
  reports: PortReport[]
): Promise<PortReport[]> {
  const byPort = new Map<number, PortReport>()
  for (const port of reports) {
    if ((PORT_STATES as readonly string[]).includes(port.state)) byPort.set(port.portNo, port)
  }
  if (byPort.size === 0) return []
  const ports = [...byPort.values()]
  const result: { rows: { port_no: number }[] } = await trx.knexClient.raw(
    `UPDATE pile_ports AS p
       SET state = v.state, current_power_deciwatts = v.power, fault_code = v.fault, updated_at = ?
       FROM (VALUES ${ports.map(() => '(?::integer, ?::text, ?::integer, ?::text)').join(', ')})
         AS v (port_no, state, power, fault)
       WHERE p.pile_id = ? AND p.port_no = v.port_no
         AND (p.state IS DISTINCT FROM v.state
           OR p.current_power_deciwatts IS DISTINCT FROM v.power
           OR p.fault_code IS DISTINCT FROM v.fault)
       RETURNING p.port_no`,
    [
      new Date(),
      ...ports.flatMap((port) => [
        port.portNo,
        port.state,
        port.powerDeciwatts ?? 0,
        port.faultCode ?? null,
      ]),
      pileId,
    ]
  )
  const written = new Set(result.rows.map((row) => row.port_no))
  return ports.filter((port) => written.has(port.portNo))
}

/** The piles and their ports go offline (orders on them are kept). */
export async function takeOffline(trx: TransactionClientContract, pileIds: number[]) {
  if (pileIds.length === 0) return
  const now = new Date()
  await trx.from('piles').whereIn('id', pileIds).where('online', true).update({
    online: false,
    updated_at: now,
  })
  await trx
    .from('pile_ports')
    .whereIn('pile_id', pileIds)
    .whereNot('state', 'offline')
    .update({ state: 'offline', current_power_deciwatts: 0, updated_at: now })
}

/** Open pages of the pile learn the ports' new states. */
export function announcePorts(tenantId: number, pileId: number, ports: PortReport[]) {
  return LiveEvents.pileChanged(tenantId, pileId, {
    type: 'ports',
    ports: ports.map(({ portNo, state, powerDeciwatts }) => ({
      portNo,
      state,
      powerDeciwatts: powerDeciwatts ?? 0,
    })),
  })
}
