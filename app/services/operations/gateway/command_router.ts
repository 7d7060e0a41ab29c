import type pg from 'pg'
import db from '@adonisjs/lucid/services/db'
import type { Logger } from '@adonisjs/core/logger'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import type { GatewayRouting } from '#config/gateway'
import LiveEvents from '#core/live/live_events'
import { PostgresTransport } from '#core/live/postgres_transport'
import type DeviceEventService from '#services/operations/device_event_service'
import {
  COMMAND_COLUMNS,
  deliverCommand,
  SEND_ERROR,
  type CommandRow,
} from '#services/operations/gateway/command_delivery'
import {
  COMMAND_CHANNEL,
  type CommandQueued,
} from '#services/operations/gateway/device_command_queue'
import { LEASE_MOVED_CHANNEL, type LeaseMoved } from '#services/operations/gateway/gateway_leases'
import type GatewayLeases from '#services/operations/gateway/gateway_leases'

/** Commands claimed per round: a backlog goes out in rounds, oldest first. */
const CLAIM_BATCH = 100

/**
 * Routes device commands among several gateways with PostgreSQL alone. The
 * command row is the truth: a gateway claims the pending commands of the
 * piles it holds a lease on, in one atomic UPDATE (status `sent`,
 * `claimed_by` = this gateway), so a command is sent once whichever
 * gateways run. Piles every gateway reaches (JUY on a shared broker) have
 * no lease: any gateway running their plugin claims their commands. It claims when a dispatcher's NOTIFY names it, and every
 * `claimPollMs` in any case: a lost notification, or a pile that reached
 * this gateway after its command was queued, is picked up by the poll. The
 * same poll fails commands nobody claimed within `commandWaitMs`.
 */
export default class CommandRouter {
  #listener: PostgresTransport | null = null
  #poll: NodeJS.Timeout | null = null
  #round: Promise<void> | null = null
  #again = false
  #sending = new Set<Promise<unknown>>()

  constructor(
    protected leases: GatewayLeases,
    protected routing: GatewayRouting,
    protected adapters: (pluginId: string) => VendorAdapter | null,
    /** Plugins whose piles any gateway reaches: their commands are claimed without a lease. */
    protected everyPile: string[],
    protected devices: DeviceEventService,
    protected logger: Logger
  ) {}

  async start() {
    const connection = db.getRawConnection('owner')!.config.connection as pg.ClientConfig
    const listener = new PostgresTransport(connection).setId(this.leases.id)
    await listener.subscribe<CommandQueued>(COMMAND_CHANNEL, ({ gatewayId }) => {
      if (gatewayId === this.leases.id || (gatewayId === null && this.everyPile.length > 0)) {
        this.claimNow()
      }
    })
    await listener.subscribe<LeaseMoved>(LEASE_MOVED_CHANNEL, (moved) => {
      if (moved.gatewayId !== this.leases.id) return
      this.leases.moved(moved.pluginId, moved.deviceKey).catch((error) => {
        this.logger.warn({ err: error, ...moved }, 'gateway: moved pile not forgotten yet')
      })
    })
    this.#listener = listener
    this.#poll = setInterval(() => this.claimNow(), this.routing.claimPollMs)
    this.#poll.unref()
    this.claimNow()
  }

  /** Stops claiming; commands being sent finish (their outcome is recorded). */
  async stop() {
    if (this.#poll) clearInterval(this.#poll)
    this.#poll = null
    await this.#listener?.disconnect()
    this.#listener = null
    await this.#round
    await Promise.allSettled([...this.#sending])
  }

  /** A round of claiming now, or right after the running one. */
  claimNow() {
    if (this.#round) {
      this.#again = true
      return
    }
    this.#round = this.#rounds().finally(() => (this.#round = null))
  }

  async #rounds() {
    do {
      this.#again = false
      try {
        await this.#expire()
        while ((await this.#claim()) === CLAIM_BATCH);
      } catch (error) {
        this.logger.warn({ err: error }, 'gateway: claiming commands failed')
      }
    } while (this.#again && this.#poll)
  }

  /** Claims this gateway's pending commands and starts sending them; returns how many. */
  async #claim() {
    const { rows } = await db.connection('owner').rawQuery(
      `UPDATE device_commands c
          SET status = 'sent', claimed_by = ?, sent_at = now(), updated_at = now()
          FROM piles p
        WHERE c.id IN (
                SELECT c2.id FROM device_commands c2
                  JOIN piles p2 ON p2.id = c2.pile_id
                  LEFT JOIN pile_leases l
                         ON l.plugin_id = p2.plugin_id AND l.device_key = p2.device_key
                 WHERE c2.status = 'pending'
                   AND (l.gateway_id = ? OR (l.gateway_id IS NULL AND p2.plugin_id = ANY(string_to_array(?, ','))))
                 ORDER BY c2.id
                 LIMIT ?
                   FOR UPDATE OF c2 SKIP LOCKED)
          AND c.status = 'pending'
          AND p.id = c.pile_id
      RETURNING c.tenant_id, c.pile_id, ${COMMAND_COLUMNS}`,
      [this.leases.id, this.leases.id, this.everyPile.join(','), CLAIM_BATCH]
    )
    const claimed = (rows as (CommandRow & { tenant_id: number; pile_id: number })[]).sort(
      (a, b) => a.id - b.id
    )
    for (const row of claimed) {
      await LiveEvents.pileChanged(row.tenant_id, row.pile_id, {
        type: 'command',
        commandId: row.id,
        status: 'sent',
      })
      const sending = deliverCommand(this.adapters(row.plugin_id), row, this.devices, {
        requeue: this.leases.id,
      })
        .catch(async (error) => {
          this.logger.error({ err: error, commandId: row.id }, 'gateway: command not sent')
          await this.#sendFailed(row.id)
        })
        .finally(() => this.#sending.delete(sending))
      this.#sending.add(sending)
    }
    return claimed.length
  }

  /**
   * Sending threw: nobody will report this command, which would stay `sent`.
   * Whether it reached the pile is unknown, as with an unanswered one: a
   * timeout, unless the adapter recorded the pile's answer first.
   */
  async #sendFailed(commandId: number) {
    try {
      await this.devices.recordCommandResult(commandId, 'timeout', { detail: SEND_ERROR })
    } catch (error) {
      this.logger.error({ err: error, commandId }, 'gateway: command outcome not recorded')
    }
  }

  /** Commands no gateway claimed in time: their pile is nowhere to be reached. */
  async #expire() {
    const late: { id: number }[] = await db
      .connection('owner')
      .from('device_commands')
      .where('status', 'pending')
      .whereRaw('created_at < now() - make_interval(secs => ?)', [
        this.routing.commandWaitMs / 1000,
      ])
      .orderBy('id')
      .limit(CLAIM_BATCH)
      .select('id')
    for (const { id } of late) {
      await this.devices.recordCommandResult(
        id,
        'failed',
        { detail: 'not_connected' },
        { onlyPending: true }
      )
    }
  }
}
