import db from '@adonisjs/lucid/services/db'

/** Where dispatchers tell the gateway holding a pile that a command for it is waiting. */
export const COMMAND_CHANNEL = 'pilehub_device_commands'

/** What a notification on COMMAND_CHANNEL carries. */
export type CommandQueued = {
  /** The gateway holding the pile's lease; null: none (any gateway reaching every pile may claim it). */
  gatewayId: string | null
  commandId: number
}

/**
 * Tells the gateway holding the command's pile to claim it, after the row
 * committed: the row is the queue (see CommandRouter). For a pile no
 * gateway holds, the notification names none: a gateway whose plugin
 * reaches every pile claims it; otherwise it waits for the gateway the
 * pile reaches next, which claims it on its own poll.
 */
export async function dispatchDeviceCommand(commandId: number) {
  await db.connection('owner').rawQuery(
    `SELECT pg_notify(?, json_build_object(
              -- The envelope PostgresTransport reads (see #core/live/postgres_transport).
              'busId', 'dispatch',
              'payload', json_build_object('gatewayId', l.gateway_id, 'commandId', c.id))::text)
       FROM device_commands c
       JOIN piles p ON p.id = c.pile_id
       LEFT JOIN pile_leases l ON l.plugin_id = p.plugin_id AND l.device_key = p.device_key
      WHERE c.id = ? AND c.status = 'pending'`,
    [COMMAND_CHANNEL, commandId]
  )
}
