import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { VendorAdapter, VendorCommand } from '#sdk/contracts/vendor'
import type { DeviceCommandStatus } from '#models/device_command'
import type DeviceEventService from '#services/operations/device_event_service'
import { finishedCommand } from '#services/operations/device_event_service'

/** A stored device command with its pile's protocol address. */
export interface CommandRow {
  id: number
  command: string
  port_no: number | null
  parameters: Record<string, any> | null
  plugin_id: string
  device_key: string
  /** A stop's charge as the pile knows it (e.g. the OCPP transactionId); see COMMAND_COLUMNS. */
  transaction_ref?: string | null
}

/**
 * What delivering a command reads, from `device_commands c` and its pile
 * `p`. A stop also reads its order's transactionRef, so that a gateway that
 * did not see the charge start (the pile moved, or a restart) can name the
 * charge as the pile knows it (the OCPP transactionId).
 */
export const COMMAND_COLUMNS = [
  'c.id',
  'c.command',
  'c.port_no',
  'c.parameters',
  'p.plugin_id',
  'p.device_key',
  `(SELECT o.transaction_ref FROM charging_orders o
     WHERE o.tenant_id = c.tenant_id AND o.order_no = c.parameters->>'orderNo') AS transaction_ref`,
].join(', ')

/** A stored device command as the vendor contract names it. */
export function vendorCommandOf(
  row: Pick<CommandRow, 'command' | 'port_no' | 'parameters' | 'transaction_ref'>
): VendorCommand {
  const parameters = row.parameters ?? {}
  switch (row.command) {
    case 'start':
      return {
        type: 'start',
        portNo: row.port_no!,
        orderNo: String(parameters.orderNo),
        limit: parameters.limit,
        maxDurationSeconds: Number(parameters.maxDurationSeconds),
        balanceFen: parameters.balanceFen,
      }
    case 'stop':
      return {
        type: 'stop',
        portNo: row.port_no!,
        orderNo: parameters.orderNo ?? null,
        transactionRef: row.transaction_ref ?? null,
      }
    case 'reboot':
      return { type: 'reboot' }
    default:
      return { type: 'set_parameters', parameters }
  }
}

/**
 * What becomes of a command whose pile the adapter does not hold after all:
 * `fail` records `not_connected` (one gateway: nobody else could send it);
 * `requeue` puts it back to pending for whichever gateway holds the pile
 * next (several gateways: the pile is between two of them).
 */
export type Unreached = 'fail' | { requeue: string }

/**
 * Sends one command already marked sent through its pile's adapter. The
 * adapter reports the pile's own outcome (commandResult); only a pile it
 * never reached, or a plugin this gateway does not run, is recorded here.
 */
export async function deliverCommand(
  adapter: VendorAdapter | null,
  row: CommandRow,
  devices: DeviceEventService,
  unreached: Unreached
) {
  if (!adapter) {
    await devices.recordCommandResult(row.id, 'failed', { detail: 'plugin_not_running' })
    return 'failed'
  }
  const outcome = await adapter.send(row.device_key, { ...vendorCommandOf(row), commandId: row.id })
  if (outcome.status !== 'not_connected') return outcome.status
  if (unreached === 'fail') {
    await devices.recordCommandResult(row.id, 'failed', { detail: 'not_connected' })
    return 'failed'
  }
  await db
    .connection('owner')
    .from('device_commands')
    .where({ id: row.id, status: 'sent', claimed_by: unreached.requeue })
    .update({ status: 'pending', claimed_by: null, sent_at: null, updated_at: new Date() })
  return 'pending'
}

/** Why a command was settled for a gateway that is gone (devicesPage.commandDetails). */
export const GATEWAY_LOST = 'gateway_lost'
/** Why a command was settled when sending it threw (devicesPage.commandDetails). */
export const SEND_ERROR = 'send_error'

/** A command whose gateway is gone, and what became of it. */
export interface LostClaim {
  id: number
  tenant_id: number
  pile_id: number
  status: DeviceCommandStatus
}

/**
 * The commands claimed by gateways that have no row any more (reaped, in
 * the same transaction `trx`): one still `pending` is released for the
 * gateway holding its pile next; one `sent` times out with GATEWAY_LOST,
 * not sent again (a start may have reached the pile: the order watchdog
 * and the pile's own reports settle it). No foreign key ties claimed_by to
 * a gateway row, so this also settles any claim left by a row gone earlier.
 */
export async function settleLostClaims(trx: TransactionClientContract): Promise<LostClaim[]> {
  const orphaned = (query: ReturnType<TransactionClientContract['from']>) =>
    query
      .whereNotNull('claimed_by')
      .whereNotExists((gateways) =>
        gateways
          .from('gateway_instances')
          .whereRaw('gateway_instances.id = device_commands.claimed_by')
      )
  const released: LostClaim[] = await orphaned(trx.from('device_commands'))
    .where('status', 'pending')
    .update({ claimed_by: null, updated_at: new Date() })
    .returning(['id', 'tenant_id', 'pile_id', 'status'])
  const timedOut: LostClaim[] = await orphaned(trx.from('device_commands'))
    .where('status', 'sent')
    .update(finishedCommand(trx, 'timeout', { detail: GATEWAY_LOST }, new Date()))
    .returning(['id', 'tenant_id', 'pile_id', 'status'])
  return [...released, ...timedOut]
}
