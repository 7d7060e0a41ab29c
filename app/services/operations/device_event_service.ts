import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import type { DeviceCommandStatus } from '#models/device_command'
import { normalizeDeviceKey } from '#services/operations/device_keys'
import { AUTHORIZATION_KEY, SECRET_MASK } from '#services/operations/device_identity_service'
import { rememberPendingPile } from '#services/operations/pending_piles'
import {
  announcePorts,
  takeOffline,
  writePortStates,
  type PortReport,
} from '#services/operations/port_states'
import TenantContext from '#core/tenancy/tenant_context'
import LiveEvents from '#core/live/live_events'

export type HeartbeatReport = {
  ports?: PortReport[]
  ip?: string | null
  firmware?: string | null
  iccid?: string | null
  protocolVersion?: string | null
  /** Ports the pile says it has; used for a pile nobody registered yet. */
  portCount?: number | null
  at?: Date
}

/**
 * What the gateway learns about a pile: registered to a tenant (active or
 * disabled: the gateway refuses a disabled one), waiting for staff to claim
 * it (unassigned), or a key its plugin would never produce (invalid).
 */
export type PileLookup =
  | { status: 'active' | 'disabled'; tenantId: number; pileId: number }
  | { status: 'unassigned' }
  | { status: 'invalid' }

/** A lookup as this service keeps it: the normalized key and the heartbeat interval too. */
type Found = PileLookup & { deviceKey?: string; heartbeatIntervalSeconds?: number }

export interface DeviceEventCaching {
  /** How long a (plugin, device key) lookup is reused: staff changes show after at most this. */
  lookupSeconds: number
  /** An unchanged heartbeat of an online pile is written at most once per this (capped by its interval). */
  heartbeatSeconds: number
}

/**
 * The gateway's caching. A pile staff disable, delete or move to another
 * tenant, or a pending pile they claim, is seen by the gateway within 30 s.
 */
export const GATEWAY_CACHING: DeviceEventCaching = { lookupSeconds: 30, heartbeatSeconds: 30 }

const MAX_CACHED_LOOKUPS = 100_000

/** Piles are offline after this many heartbeat intervals without one. */
export const MISSED_HEARTBEATS = 3

/**
 * The gateway's entry points into the device registry. A frame names a pile
 * by (plugin id, device key) only, so the pile and its tenant are found
 * through the owner connection; the change itself runs walled in the
 * tenant's context (TenantContext.forJob). Every entry point is idempotent:
 * a resent frame leaves the same state, and a port's `updated_at` moves
 * only when something about it changed.
 */
export default class DeviceEventService {
  #lookups = new Map<string, { found: Promise<Found>; expires: number }>()
  /** What this process last wrote of a pile's heartbeat (coalescing). */
  #written = new Map<number, { at: number; details: string }>()
  /** What this process last wrote of each port of a pile, and when (coalescing). */
  #portsWritten = new Map<number, Map<number, { at: number; state: string }>>()

  /**
   * Without options every call reads and writes (tests, jobs). The gateway
   * passes GATEWAY_CACHING: it takes a frame per pile per second, and each
   * would otherwise cost a lookup and a heartbeat write.
   */
  constructor(protected caching: DeviceEventCaching = { lookupSeconds: 0, heartbeatSeconds: 0 }) {}

  /** Finds a pile without knowing its tenant (platform-level, owner connection). */
  async lookup(pluginId: string, rawKey: string): Promise<Found> {
    if (this.caching.lookupSeconds <= 0) return this.#lookup(pluginId, rawKey)
    const key = `${pluginId}\u0000${rawKey}`
    const now = Date.now()
    const cached = this.#lookups.get(key)
    if (cached && cached.expires > now) return cached.found
    const found = this.#lookup(pluginId, rawKey)
    this.#lookups.set(key, { found, expires: now + this.caching.lookupSeconds * 1000 })
    // A failed read is not remembered: the next frame asks again.
    found.catch(() => this.#lookups.get(key)?.found === found && this.#lookups.delete(key))
    if (this.#lookups.size > MAX_CACHED_LOOKUPS) this.#dropExpired(now)
    return found
  }

  async #lookup(pluginId: string, rawKey: string): Promise<Found> {
    const deviceKey = normalizeDeviceKey(pluginId, rawKey)
    if (!deviceKey) return { status: 'invalid' }
    const pile = await db
      .connection('owner')
      .from('piles')
      .join('tenants', 'tenants.id', 'piles.tenant_id')
      .where({ 'piles.plugin_id': pluginId, 'piles.device_key': deviceKey })
      .select(
        'piles.id',
        'piles.tenant_id',
        'piles.status',
        'piles.heartbeat_interval_seconds',
        'tenants.status as tenant_status'
      )
      .first()
    if (!pile) return { status: 'unassigned', deviceKey }
    return {
      // A suspended tenant's piles are refused like disabled ones.
      status: pile.tenant_status === 'active' ? pile.status : 'disabled',
      tenantId: pile.tenant_id,
      pileId: pile.id,
      deviceKey,
      heartbeatIntervalSeconds: pile.heartbeat_interval_seconds,
    }
  }

  #dropExpired(now: number) {
    for (const [key, entry] of this.#lookups) if (entry.expires <= now) this.#lookups.delete(key)
  }

  /**
   * A heartbeat (or login): the pile is online, its ports take the reported
   * states. An unknown pile is kept in pending_piles for staff to claim.
   */
  async recordHeartbeat(
    pluginId: string,
    rawKey: string,
    report: HeartbeatReport = {}
  ): Promise<PileLookup> {
    const found = await this.lookup(pluginId, rawKey)
    const at = report.at ?? new Date()
    if (found.status === 'unassigned') {
      await rememberPendingPile(
        pluginId,
        found.deviceKey!,
        {
          portCount: report.portCount ?? report.ports?.length ?? null,
          firmware: report.firmware ?? null,
          iccid: report.iccid ?? null,
          protocolVersion: report.protocolVersion ?? null,
          ip: report.ip ?? null,
        },
        at
      )
      return { status: 'unassigned' }
    }
    if (found.status !== 'active') return strip(found)
    const details = definedOnly({
      last_seen_ip: report.ip,
      firmware: report.firmware,
      iccid: report.iccid,
      protocol_version: report.protocolVersion,
    })
    const writePile = this.#heartbeatDue(found, at, details)
    const ports = this.#portsDue(found, at, report.ports ?? [])
    if (!writePile && ports.length === 0) return strip(found)
    const changed = await TenantContext.forJob(found.tenantId).run(async (trx) => {
      if (writePile) {
        await trx
          .from('piles')
          .where('id', found.pileId)
          .update({
            online: true,
            // A heartbeat delivered late never moves the clock back.
            last_heartbeat_at: trx.raw('GREATEST(COALESCE(last_heartbeat_at, ?), ?)', [at, at]),
            ...details,
            updated_at: new Date(),
          })
      }
      return writePortStates(trx, found.pileId, ports)
    })
    this.#rememberPorts(found.pileId, at, ports)
    if (writePile) {
      this.#written.set(found.pileId, { at: at.getTime(), details: JSON.stringify(details) })
      await LiveEvents.pileChanged(found.tenantId, found.pileId, { type: 'heartbeat' })
    }
    if (changed.length > 0) await announcePorts(found.tenantId, found.pileId, changed)
    return strip(found)
  }

  /**
   * Whether a heartbeat must be written: always without coalescing; with it,
   * when this process wrote none for the pile within the window (at most the
   * pile's interval, so a stored heartbeat is never more than two intervals
   * old and the offline sweep's three still hold) or the details changed.
   */
  #heartbeatDue(
    found: { pileId: number; heartbeatIntervalSeconds?: number },
    at: Date,
    details: Record<string, unknown>
  ) {
    const windowMs = this.#window(found)
    const last = this.#written.get(found.pileId)
    if (windowMs <= 0 || !last) return true
    return at.getTime() - last.at >= windowMs || JSON.stringify(details) !== last.details
  }

  /**
   * The coalescing window of a pile in ms: at most the configured seconds
   * and its interval, shortened by up to half per pile so that piles that
   * logged in together do not all write in the same second.
   */
  #window(found: { pileId: number; heartbeatIntervalSeconds?: number }) {
    const seconds = Math.min(this.caching.heartbeatSeconds, found.heartbeatIntervalSeconds ?? 0)
    const spread = (Math.imul(found.pileId, 2_654_435_761) >>> 0) / 2 ** 32
    return seconds * 1000 * (1 - spread / 2)
  }

  /**
   * The port reports to write: with coalescing, a port this process wrote
   * with the same state within the window is left alone (its row holds that
   * state unless the offline sweep, which needs a stale heartbeat, or staff
   * changed it; either is corrected within the window).
   */
  #portsDue(
    found: { pileId: number; heartbeatIntervalSeconds?: number },
    at: Date,
    reports: PortReport[]
  ) {
    const windowMs = this.#window(found)
    const written = this.#portsWritten.get(found.pileId)
    if (windowMs <= 0 || !written) return reports
    return reports.filter((port) => {
      const last = written.get(port.portNo)
      return !last || last.state !== portKey(port) || at.getTime() - last.at >= windowMs
    })
  }

  #rememberPorts(pileId: number, at: Date, reports: PortReport[]) {
    if (this.caching.heartbeatSeconds <= 0 || reports.length === 0) return
    const written = this.#portsWritten.get(pileId) ?? new Map()
    for (const port of reports) written.set(port.portNo, { at: at.getTime(), state: portKey(port) })
    this.#portsWritten.set(pileId, written)
  }

  /** One port's state (a status notification between heartbeats). */
  async applyPortStatus(pluginId: string, rawKey: string, port: PortReport) {
    const found = await this.lookup(pluginId, rawKey)
    if (found.status !== 'active') return { applied: false, lookup: strip(found) }
    const at = new Date()
    if (this.#portsDue(found, at, [port]).length === 0)
      return { applied: false, lookup: strip(found) }
    const changed = await TenantContext.forJob(found.tenantId).run((trx) =>
      writePortStates(trx, found.pileId, [port])
    )
    this.#rememberPorts(found.pileId, at, [port])
    const applied = changed.length > 0
    if (applied) await announcePorts(found.tenantId, found.pileId, [port])
    return { applied, lookup: strip(found) }
  }

  /** The connection closed: the pile and its ports are offline (orders on them are kept). */
  async markOffline(pluginId: string, rawKey: string) {
    const found = await this.lookup(pluginId, rawKey)
    if (found.status === 'invalid' || found.status === 'unassigned') return false
    // Back online, its first heartbeat is written at once.
    this.#written.delete(found.pileId)
    this.#portsWritten.delete(found.pileId)
    await TenantContext.forJob(found.tenantId).run((trx) => takeOffline(trx, [found.pileId]))
    await LiveEvents.pileChanged(found.tenantId, found.pileId, { type: 'offline' })
    return true
  }

  /**
   * The offline sweep: piles believed online whose last heartbeat is older
   * than MISSED_HEARTBEATS × their interval go offline, ports included.
   * Candidates are found across tenants by the owner; each tenant's piles
   * are then changed in its own context, re-checking the condition so a
   * heartbeat that arrived meanwhile wins.
   */
  async sweepOffline(now = new Date(), missedBeats = MISSED_HEARTBEATS) {
    const late = <Query extends DatabaseQueryBuilderContract>(query: Query) =>
      query
        .where('online', true)
        .whereRaw(
          'last_heartbeat_at < ?::timestamptz - make_interval(secs => heartbeat_interval_seconds * ?)',
          [now, missedBeats]
        )
    const candidates: { id: number; tenant_id: number }[] = await late(
      db.connection('owner').from('piles')
    ).select('id', 'tenant_id')
    const byTenant = new Map<number, number[]>()
    for (const pile of candidates) {
      byTenant.set(pile.tenant_id, [...(byTenant.get(pile.tenant_id) ?? []), pile.id])
    }
    let marked = 0
    for (const [tenantId, ids] of byTenant) {
      const offline = await TenantContext.forJob(tenantId).run(async (trx) => {
        const rows: { id: number }[] = await late(trx.from('piles').whereIn('id', ids)).select('id')
        await takeOffline(
          trx,
          rows.map((row) => row.id)
        )
        return rows.map((row) => row.id)
      })
      marked += offline.length
      for (const pileId of offline) {
        await LiveEvents.pileChanged(tenantId, pileId, { type: 'offline' })
      }
    }
    return { marked }
  }

  /**
   * The gateway's answer about a command: sent, then acked, failed or timed
   * out. A finished command keeps its first outcome (resent answers change
   * nothing). `onlyPending`: only a command no gateway has claimed (one that
   * waited in vain for its pile) takes the outcome.
   */
  async recordCommandResult(
    commandId: number,
    status: Exclude<DeviceCommandStatus, 'pending'>,
    result: Record<string, unknown> | null = null,
    options: { onlyPending?: boolean } = {}
  ) {
    const command = await db
      .connection('owner')
      .from('device_commands')
      .where('id', commandId)
      .select('tenant_id', 'pile_id')
      .first()
    if (!command) return false
    const recorded = await TenantContext.forJob(command.tenant_id).run(async (trx) => {
      const now = new Date()
      const open = trx
        .from('device_commands')
        .where('id', commandId)
        .whereIn(
          'status',
          status === 'sent' || options.onlyPending ? ['pending'] : ['pending', 'sent']
        )
      const changed = await open.update(
        status === 'sent'
          ? { status, sent_at: now, updated_at: now }
          : finishedCommand(trx, status, result, now)
      )
      return Number(changed) > 0
    })
    if (recorded) {
      await LiveEvents.pileChanged(command.tenant_id, command.pile_id, {
        type: 'command',
        commandId,
        status,
      })
    }
    return recorded
  }
}

/** The columns of a command that is done: its outcome, and the secret it carried masked. */
export function finishedCommand(
  client: QueryClientContract,
  status: Exclude<DeviceCommandStatus, 'pending' | 'sent'>,
  result: Record<string, unknown> | null,
  now: Date
) {
  return {
    status,
    // A pushed 设备密钥 is kept only until the command is done.
    parameters: client.raw(
      `CASE WHEN parameters->>?::text IS NULL THEN parameters
         ELSE jsonb_set(parameters, ARRAY[?::text], to_jsonb(?::text)) END`,
      [AUTHORIZATION_KEY, AUTHORIZATION_KEY, SECRET_MASK]
    ),
    result: result === null ? null : JSON.stringify(result),
    sent_at: client.raw('COALESCE(sent_at, ?)', [now]),
    finished_at: now,
    updated_at: now,
  }
}

function strip(found: Found): PileLookup {
  if (found.status === 'active' || found.status === 'disabled') {
    return { status: found.status, tenantId: found.tenantId, pileId: found.pileId }
  }
  return { status: found.status }
}

/** What a port report writes, to tell a repeated one. */
function portKey(port: PortReport) {
  return `${port.state}:${port.powerDeciwatts ?? 0}:${port.faultCode ?? ''}`
}

/** The fields a report carried: what it left out keeps its stored value. */
function definedOnly(fields: Record<string, string | null | undefined>) {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
}
