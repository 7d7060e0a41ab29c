import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { pendingRoom } from '#services/operations/device_identity_service'

/*
| pending_piles: piles that logged in unknown, waiting for staff to claim
| them. A platform table (no tenant yet), read and written through the
| owner connection.
*/

/** What a waiting pile last told about itself; what it left out keeps its stored value. */
export interface PendingDetails {
  portCount: number | null
  firmware: string | null
  iccid: string | null
  protocolVersion: string | null
  ip: string | null
}

/**
 * Keeps an unknown pile for staff to claim: a row already there is
 * refreshed; a new one is written only while pending_piles has room for
 * its address and in all (PENDING_PER_IP, PENDING_TOTAL), so unknown
 * devices cannot fill the table.
 */
export async function rememberPendingPile(
  pluginId: string,
  deviceKey: string,
  details: PendingDetails,
  at: Date
) {
  const fields = [
    details.portCount,
    details.firmware,
    details.iccid,
    details.protocolVersion,
    details.ip,
  ]
  // Through knex itself: Lucid's raw bindings do not take NULL.
  const client = db.connection('owner').getWriteClient()
  const refreshed = await client.raw(
    `UPDATE pending_piles SET
       port_count = COALESCE(?, port_count),
       firmware = COALESCE(?, firmware),
       iccid = COALESCE(?, iccid),
       protocol_version = COALESCE(?, protocol_version),
       last_seen_ip = COALESCE(?, last_seen_ip),
       last_seen_at = GREATEST(?, last_seen_at)
     WHERE plugin_id = ? AND device_key = ?`,
    [...fields, at, pluginId, deviceKey]
  )
  if (refreshed.rowCount > 0) return
  if (!(await pendingRoom(pluginId, deviceKey, details.ip))) return
  await client.raw(
    `INSERT INTO pending_piles (port_count, firmware, iccid, protocol_version, last_seen_ip,
       plugin_id, device_key, first_seen_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (plugin_id, device_key) DO NOTHING`,
    [...fields, pluginId, deviceKey, at, at]
  )
}

/** The pile is now registered: its pending row (if any) is obsolete. */
export async function forgetPendingPile(
  pile: { pluginId: string; deviceKey: string },
  client: QueryClientContract = db.connection('owner')
) {
  await client
    .from('pending_piles')
    .where({ plugin_id: pile.pluginId, device_key: pile.deviceKey })
    .delete()
}
