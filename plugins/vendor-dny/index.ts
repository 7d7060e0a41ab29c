import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { edgeLimits, resolveEdgeLimits, type EdgeLimits } from '#sdk/device_edge'
import { DnyAdapter } from './adapter.js'
import type { DnyAdapterConfig } from './config.js'

/*
| AP3000 "DNY" e-bike piles over TCP (a 4G module per pile or per host).
| Created once by the gateway with platform config; see README.md.
*/

const DEFAULTS = {
  host: '0.0.0.0',
  port: 7001,
  proxyProtocol: false,
  ackTimeoutMs: 15_000,
  commandGapMs: 500,
  heartbeatSeconds: 180,
  cardNumberFormat: 'hex',
  maxDurationSeconds: 36_000,
  overloadPowerWatts: 1_000,
} satisfies Omit<DnyAdapterConfig, keyof EdgeLimits>

/**
 * DNY's own edge defaults over the SDK's (see README.md, Limits).
 * - A frame is at most 512 bytes: the largest a pile sends is a 0x02 swipe
 *   with a 255-byte long card number (282 bytes); the usual ones are under 70.
 * - A host module re-registers all its sub-piles at once after a reconnect:
 *   a burst of 100 frames, 200 queued.
 * - Identification waits one heartbeat and 30 s: a module that reconnects
 *   may only heartbeat (every 3 min) after its ICCID, with a `link` text
 *   every 30 s in between, which does not extend the wait.
 */
function edgeDefaults(heartbeatSeconds: number): Partial<EdgeLimits> {
  return {
    maxConnections: 10_000,
    messageBurst: 100,
    maxQueuedMessages: 200,
    maxMessageBytes: 512,
    identifyTimeoutMs: heartbeatSeconds * 1000 + 30_000,
  }
}

const whole = (min: number, max: number) =>
  vine.number().withoutDecimals().range([min, max]).optional()

export default definePlugin({
  id: 'vendor-dny',
  kind: 'vendor',
  version: '1.0.0',
  config: vine.create({
    host: vine.string().trim().minLength(1).maxLength(255).optional(),
    /** 0 picks a free port (tests). */
    port: whole(0, 65_535),
    /** Behind a balancer sending the PROXY protocol (HAProxy's send-proxy-v2): the pile's address comes from it. */
    proxyProtocol: vine.boolean().optional(),
    ...edgeLimits,
    /** Whole frame, header included: the length field allows 65535, real frames stay under 300. */
    maxMessageBytes: whole(300, 4096),
    ackTimeoutMs: whole(10, 120_000),
    commandGapMs: whole(0, 10_000),
    heartbeatSeconds: whole(10, 3_600),
    cardNumberFormat: vine.enum(['hex', 'decimal'] as const).optional(),
    maxDurationSeconds: whole(60, 0xffff),
    overloadPowerWatts: whole(1, 6_553),
  }),
  secrets: [],
  capabilities: [
    'card-swipe',
    'remote-start',
    'remote-stop',
    'reboot',
    'set-parameters',
    'settlement-resend',
  ],
  create: (config, context) => {
    const given = Object.fromEntries(
      Object.entries(config).filter(([, value]) => value !== undefined)
    )
    const settings = { ...DEFAULTS, ...given }
    const limits = resolveEdgeLimits(config, edgeDefaults(settings.heartbeatSeconds))
    return new DnyAdapter(
      { ...settings, ...limits },
      context.logger.child({ plugin: 'vendor-dny' })
    )
  },
  simulator: () => import('./simulator.js').then((module) => module.default),
})
