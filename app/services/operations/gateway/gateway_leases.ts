import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import db from '@adonisjs/lucid/services/db'
import type { Logger } from '@adonisjs/core/logger'
import type { GatewayRouting } from '#config/gateway'
import LiveEvents from '#core/live/live_events'
import { normalizeDeviceKey } from '#services/operations/device_keys'
import { settleLostClaims } from '#services/operations/gateway/command_delivery'
import { dispatchDeviceCommand } from '#services/operations/gateway/device_command_queue'

/** Where a gateway that took a pile over tells the gateway it took it from. */
export const LEASE_MOVED_CHANNEL = 'pilehub_pile_leases'

/** What a notification on LEASE_MOVED_CHANNEL carries. */
export type LeaseMoved = {
  /** The gateway that held the lease before. */
  gatewayId: string
  pluginId: string
  deviceKey: string
}

/** What a disconnect found: the lease was ours (and is gone), another gateway's, or nobody's. */
export type LeaseRelease = 'released' | 'held_elsewhere' | 'not_held'

interface Held {
  pluginId: string
  /** As the adapter names the pile (told back to it when the pile moves away). */
  adapterKey: string
}

/**
 * One gateway process among several: its row in gateway_instances, beaten
 * every `heartbeatMs`, and its lease on each pile connected to it (written
 * only when it changes hands, not per frame). A lease is taken when a pile
 * is online here, taken over from another gateway when the pile reconnects
 * here, and dropped when it disconnects, if still ours. A gateway silent
 * for `deadAfterMs` is removed by any other, and its leases with it.
 *
 * Each beat also reconciles: a lease another gateway took while its
 * notification was lost is found and the pile forgotten here; a lease whose
 * write failed (or was removed while this process was paused) is taken again
 * if nobody else holds it.
 */
export default class GatewayLeases {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  /** By plugin id and normalised device key: the piles this gateway holds. */
  #mine = new Map<string, Held>()
  #timer: NodeJS.Timeout | null = null
  #beating: Promise<void> | null = null

  constructor(
    protected routing: GatewayRouting,
    protected logger: Logger,
    /** The pile is held by another gateway now: the adapter drops its connection. */
    protected onMoved: (pluginId: string, adapterKey: string) => Promise<void>
  ) {}

  /** Writes this gateway's row and beats it from now on. */
  async join() {
    await this.#beat()
    this.#timer = setInterval(() => {
      this.#beating ??= this.#tick().finally(() => (this.#beating = null))
    }, this.routing.heartbeatMs)
    this.#timer.unref()
  }

  /** Stops beating and leaves the rows as they are: what a crashed process leaves behind. */
  async halt() {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    await this.#beating
  }

  /** A clean stop: the row goes, and every lease of this gateway with it. */
  async leave() {
    await this.halt()
    await this.#owner().from('gateway_instances').where('id', this.id).delete()
    this.#mine.clear()
  }

  /** A pile is online here: the lease is ours, taken from whoever held it. */
  async take(pluginId: string, adapterKey: string) {
    const key = normalizeDeviceKey(pluginId, adapterKey)
    if (key === null || this.#mine.has(leaseKey(pluginId, key))) return
    // Kept even if the write fails: the next beat writes it.
    this.#mine.set(leaseKey(pluginId, key), { pluginId, adapterKey })
    try {
      const { rows } = await this.#owner().rawQuery(
        `WITH previous AS (
           SELECT gateway_id FROM pile_leases WHERE plugin_id = ? AND device_key = ?
         )
         INSERT INTO pile_leases (plugin_id, device_key, gateway_id, acquired_at)
         VALUES (?, ?, ?, now())
         ON CONFLICT (plugin_id, device_key) DO UPDATE
           SET gateway_id = EXCLUDED.gateway_id, acquired_at = EXCLUDED.acquired_at
         RETURNING (SELECT gateway_id FROM previous) AS previous`,
        [pluginId, key, pluginId, key, this.id]
      )
      const previous: string | null = rows[0]?.previous ?? null
      if (previous !== null && previous !== this.id) {
        const moved: LeaseMoved = { gatewayId: previous, pluginId, deviceKey: key }
        await this.#owner().rawQuery('SELECT pg_notify(?, ?)', [
          LEASE_MOVED_CHANNEL,
          // The envelope PostgresTransport reads (see #core/live/postgres_transport).
          JSON.stringify({ busId: this.id, payload: moved }),
        ])
      }
    } catch (error) {
      this.logger.warn({ err: error, pluginId, deviceKey: key }, 'gateway: lease not written yet')
    }
  }

  /** A pile disconnected here: the lease goes if it is still ours. */
  async release(pluginId: string, adapterKey: string): Promise<LeaseRelease> {
    const key = normalizeDeviceKey(pluginId, adapterKey)
    if (key === null) return 'not_held'
    this.#mine.delete(leaseKey(pluginId, key))
    const { rows } = await this.#owner().rawQuery(
      `WITH dropped AS (
         DELETE FROM pile_leases WHERE plugin_id = ? AND device_key = ? AND gateway_id = ?
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM dropped) AS dropped,
              EXISTS (SELECT 1 FROM pile_leases
                       WHERE plugin_id = ? AND device_key = ? AND gateway_id <> ?) AS elsewhere`,
      [pluginId, key, this.id, pluginId, key, this.id]
    )
    if (rows[0].elsewhere) return 'held_elsewhere'
    return rows[0].dropped ? 'released' : 'not_held'
  }

  /**
   * Another gateway says it took this pile: checked against the table (the
   * pile may have come back here since), then forgotten here.
   */
  async moved(pluginId: string, deviceKey: string) {
    const held = this.#mine.get(leaseKey(pluginId, deviceKey))
    if (!held) return
    const lease = await this.#owner()
      .from('pile_leases')
      .where({ plugin_id: pluginId, device_key: deviceKey })
      .select('gateway_id')
      .first()
    if (!lease || lease.gateway_id === this.id) return
    if (this.#mine.get(leaseKey(pluginId, deviceKey)) !== held) return
    this.#mine.delete(leaseKey(pluginId, deviceKey))
    this.logger.info({ pluginId, deviceKey, to: lease.gateway_id }, 'gateway: pile moved away')
    await this.onMoved(pluginId, held.adapterKey)
  }

  async #tick() {
    try {
      await this.#beat()
      await this.#reap()
      await this.#reconcile()
    } catch (error) {
      this.logger.warn({ err: error }, 'gateway: lease beat failed')
    }
  }

  async #beat() {
    await this.#owner().rawQuery(
      `INSERT INTO gateway_instances (id, host, pid, started_at, beat_at)
       VALUES (?, ?, ?, now(), now())
       ON CONFLICT (id) DO UPDATE SET beat_at = now()`,
      [this.id, hostname(), process.pid]
    )
  }

  /**
   * Dead gateways go, their leases with them (ON DELETE CASCADE), and in the
   * same transaction the commands they had claimed are settled (see
   * settleLostClaims).
   */
  async #reap() {
    const { dead, lost } = await this.#owner().transaction(async (trx) => {
      const gone: { id: string }[] = await trx
        .from('gateway_instances')
        .whereRaw('beat_at < now() - make_interval(secs => ?)', [this.routing.deadAfterMs / 1000])
        .whereNot('id', this.id)
        .delete()
        .returning('id')
      return { dead: gone, lost: gone.length > 0 ? await settleLostClaims(trx) : [] }
    })
    if (dead.length === 0) return
    this.logger.warn(
      {
        gateways: dead.map((row) => row.id),
        released: lost.filter((row) => row.status === 'pending').map((row) => row.id),
        timedOut: lost.filter((row) => row.status === 'timeout').map((row) => row.id),
      },
      'gateway: dead gateways removed'
    )
    for (const command of lost) {
      await LiveEvents.pileChanged(command.tenant_id, command.pile_id, {
        type: 'command',
        commandId: command.id,
        status: command.status,
      })
      // The gateway holding the pile now claims it at once rather than at its next poll.
      if (command.status === 'pending') await dispatchDeviceCommand(command.id)
    }
  }

  async #reconcile() {
    const rows: { plugin_id: string; device_key: string }[] = await this.#owner()
      .from('pile_leases')
      .where('gateway_id', this.id)
      .select('plugin_id', 'device_key')
    const written = new Set(rows.map((row) => leaseKey(row.plugin_id, row.device_key)))
    for (const row of rows) {
      if (this.#mine.has(leaseKey(row.plugin_id, row.device_key))) continue
      await this.#owner()
        .from('pile_leases')
        .where({ plugin_id: row.plugin_id, device_key: row.device_key, gateway_id: this.id })
        .delete()
    }
    for (const [key, held] of this.#mine) {
      if (written.has(key)) continue
      const deviceKey = key.slice(held.pluginId.length + 1)
      const inserted = await this.#owner().rawQuery(
        `INSERT INTO pile_leases (plugin_id, device_key, gateway_id, acquired_at)
         VALUES (?, ?, ?, now()) ON CONFLICT DO NOTHING RETURNING 1`,
        [held.pluginId, deviceKey, this.id]
      )
      if (inserted.rows.length === 0) await this.moved(held.pluginId, deviceKey)
    }
  }

  #owner() {
    return db.connection('owner')
  }
}

function leaseKey(pluginId: string, deviceKey: string) {
  return `${pluginId}\u0000${deviceKey}`
}
