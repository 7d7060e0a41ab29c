import vine from '@vinejs/vine'
import type { PluginLogger } from './logger.js'

/*
| The plugin SDK's bounds for a device listener. Every byte from the network
| is hostile until checked: a vendor adapter admits a connection through
| ConnectionGate (total and per source address), meters each connection's
| messages with MessageRate, and reports refusals through ThrottledLog so a
| flood cannot fill the disk. The limits are platform config of each vendor
| plugin (edgeLimits below, with the defaults the README lists).
*/

/** The limits a vendor plugin's config carries; every field has a default. */
export const edgeLimits = {
  /** Connections the listener holds at once. */
  maxConnections: vine.number().withoutDecimals().min(1).optional(),
  /** Connections from one source address at once (a NAT of many 4G modules shares one). */
  maxConnectionsPerIp: vine.number().withoutDecimals().min(1).optional(),
  /** Messages a connection may send per second, on average… */
  messagesPerSecond: vine.number().min(0.1).optional(),
  /** …and at once after being quiet. */
  messageBurst: vine.number().withoutDecimals().min(1).optional(),
  /** The largest frame or message accepted, in bytes. */
  maxMessageBytes: vine.number().withoutDecimals().min(64).optional(),
  /** Milliseconds a connection may stay without proving who it is. */
  identifyTimeoutMs: vine.number().withoutDecimals().min(100).optional(),
  /** Messages of one connection waiting to be handled before it is closed. */
  maxQueuedMessages: vine.number().withoutDecimals().min(1).optional(),
}

export interface EdgeLimits {
  maxConnections: number
  maxConnectionsPerIp: number
  messagesPerSecond: number
  messageBurst: number
  maxMessageBytes: number
  identifyTimeoutMs: number
  maxQueuedMessages: number
}

export const EDGE_LIMIT_DEFAULTS: EdgeLimits = {
  maxConnections: 50_000,
  maxConnectionsPerIp: 1_000,
  messagesPerSecond: 5,
  messageBurst: 50,
  maxMessageBytes: 64 * 1024,
  identifyTimeoutMs: 30_000,
  maxQueuedMessages: 100,
}

/** A plugin's configured limits over the defaults. */
export function resolveEdgeLimits(
  configured: Partial<Record<keyof EdgeLimits, number | undefined>> = {},
  defaults: Partial<EdgeLimits> = {}
): EdgeLimits {
  const limits = { ...EDGE_LIMIT_DEFAULTS, ...defaults }
  for (const key of Object.keys(limits) as (keyof EdgeLimits)[]) {
    const value = configured[key]
    if (value !== undefined) limits[key] = value
  }
  return limits
}

/** Counts a listener's open connections, in all and per source address. */
export class ConnectionGate {
  #total = 0
  #perIp = new Map<string, number>()

  constructor(protected limits: Pick<EdgeLimits, 'maxConnections' | 'maxConnectionsPerIp'>) {}

  /**
   * Takes a place for a connection from `ip`, or says why there is none.
   * Every admitted connection must be released exactly once.
   */
  admit(ip: string | null | undefined): 'ok' | 'listener_full' | 'ip_full' {
    const source = ip ?? ''
    if (this.#total >= this.limits.maxConnections) return 'listener_full'
    const fromIp = this.#perIp.get(source) ?? 0
    if (fromIp >= this.limits.maxConnectionsPerIp) return 'ip_full'
    this.#total++
    this.#perIp.set(source, fromIp + 1)
    return 'ok'
  }

  release(ip: string | null | undefined) {
    const source = ip ?? ''
    const fromIp = this.#perIp.get(source)
    if (!fromIp) return
    this.#total--
    if (fromIp === 1) this.#perIp.delete(source)
    else this.#perIp.set(source, fromIp - 1)
  }

  get size() {
    return this.#total
  }
}

/** A token bucket: `messagesPerSecond` on average, `messageBurst` at once. */
export class MessageRate {
  #tokens: number
  #at = performance.now()

  constructor(protected limits: Pick<EdgeLimits, 'messagesPerSecond' | 'messageBurst'>) {
    this.#tokens = limits.messageBurst
  }

  /** Whether one more message fits now (and counts it if so). */
  take() {
    const now = performance.now()
    this.#tokens = Math.min(
      this.limits.messageBurst,
      this.#tokens + ((now - this.#at) / 1000) * this.limits.messagesPerSecond
    )
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

/**
 * Warnings about hostile or broken peers, at most one line per kind per
 * interval; the lines left out are counted into the next one.
 */
export class ThrottledLog {
  #kinds = new Map<string, { until: number; suppressed: number }>()

  constructor(
    protected logger: PluginLogger,
    protected intervalMs = 10_000,
    protected maxKinds = 1_000
  ) {}

  warn(kind: string, details: Record<string, unknown>, message: string) {
    const now = Date.now()
    const seen = this.#kinds.get(kind)
    if (seen && seen.until > now) {
      seen.suppressed++
      return
    }
    if (!seen && this.#kinds.size >= this.maxKinds) this.#forgetExpired(now)
    const suppressed = seen?.suppressed ?? 0
    this.#kinds.set(kind, { until: now + this.intervalMs, suppressed: 0 })
    this.logger.warn(suppressed ? { ...details, suppressed } : details, message)
  }

  #forgetExpired(now: number) {
    for (const [kind, seen] of this.#kinds) if (seen.until <= now) this.#kinds.delete(kind)
    // Still full of live kinds: a flood of distinct kinds; start over rather than grow.
    if (this.#kinds.size >= this.maxKinds) this.#kinds.clear()
  }
}
