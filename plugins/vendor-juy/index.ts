import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { edgeLimits, resolveEdgeLimits, type EdgeLimits } from '#sdk/device_edge'
import { DEFAULT_SHARE_GROUP, JuyAdapter } from './adapter.js'

/*
| JUY "5AA5" e-bike piles over MQTT (see README.md). The gateway runs one
| instance for every tenant: by default on an embedded aedes broker, or as
| a client of an external broker (EMQX...), sharing the device topics with
| other gateways through an MQTT shared subscription.
*/

/**
 * Bounds of the embedded broker and the adapter, over the SDK's defaults. A
 * JUY frame is under 300 bytes and a pile sends a few a minute; a
 * reconnecting pile sends its login, a heartbeat and its unacked end
 * reports at once.
 */
export const JUY_EDGE_DEFAULTS: Partial<EdgeLimits> = {
  maxMessageBytes: 4096,
  messagesPerSecond: 5,
  messageBurst: 50,
  identifyTimeoutMs: 30_000,
  maxQueuedMessages: 100,
}

export default definePlugin({
  id: 'vendor-juy',
  kind: 'vendor',
  version: '1.0.0',
  config: vine.create({
    mode: vine.enum(['embedded', 'external'] as const),
    /** Embedded: the broker's listening address. */
    host: vine.string().trim().minLength(1).optional(),
    port: vine.number().withoutDecimals().range([0, 65535]).optional(),
    /** Embedded, behind a balancer sending the PROXY protocol (HAProxy's send-proxy-v2): the pile's address comes from it. */
    proxyProtocol: vine.boolean().optional(),
    /** External: the broker, e.g. mqtt://emqx.internal:1883 or mqtts://... */
    url: vine
      .string()
      .url({ require_tld: false, protocols: ['mqtt', 'mqtts', 'tcp', 'tls', 'ws', 'wss'] })
      .optional()
      .requiredWhen('mode', '=', 'external'),
    username: vine.string().maxLength(128).optional(),
    password: vine.string().maxLength(256).optional(),
    /** External: the client id's prefix (a random suffix keeps each gateway's own). */
    clientId: vine
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,48}$/)
      .optional(),
    /** External: the shared-subscription group the gateways split the piles' messages in. */
    sharedGroup: vine
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    /** How CMD is spelled in topics: 81 (hex), 0x81 or 129. */
    commandFormat: vine.enum(['hex', 'hex_prefixed', 'decimal'] as const).optional(),
    /** How cards are printed, so swipes match the cards staff registered: 8 hex or 10 decimal digits. */
    cardNumberFormat: vine.enum(['hex', 'decimal'] as const).optional(),
    /** 0x85 tier data: (time, price) pairs or all times then all prices. */
    tierLayout: vine.enum(['interleaved', 'grouped'] as const).optional(),
    /** Energy on the wire: 0.01 kWh (the field tables) or 0.001 kWh (the V1.1 change log). */
    energyUnit: vine.enum(['centi_kwh', 'milli_kwh'] as const).optional(),
    heartbeatSeconds: vine.number().withoutDecimals().range([10, 250]).optional(),
    commandTimeoutSeconds: vine.number().withoutDecimals().range([1, 120]).optional(),
    ...edgeLimits,
  }),
  secrets: ['password'],
  capabilities: ['card-swipe', 'remote-start', 'remote-stop', 'set-parameters', 'meter-samples'],
  create(config, { logger }) {
    return new JuyAdapter(
      {
        mode: config.mode,
        host: config.host ?? '0.0.0.0',
        port: config.port ?? 1883,
        proxyProtocol: config.proxyProtocol ?? false,
        url: config.url,
        username: config.username || undefined,
        password: config.password || undefined,
        clientId: config.clientId,
        sharedGroup:
          config.mode === 'external' ? (config.sharedGroup ?? DEFAULT_SHARE_GROUP) : undefined,
        commandFormat: config.commandFormat ?? 'hex',
        cardNumberFormat: config.cardNumberFormat ?? 'hex',
        tierLayout: config.tierLayout ?? 'interleaved',
        energyUnit: config.energyUnit ?? 'centi_kwh',
        heartbeatSeconds: config.heartbeatSeconds ?? 60,
        commandTimeoutSeconds: config.commandTimeoutSeconds ?? 10,
        limits: resolveEdgeLimits(config, JUY_EDGE_DEFAULTS),
      },
      logger.child({ plugin: 'vendor-juy' })
    )
  },
  async simulator() {
    const { JuySimulator } = await import('./simulator.js')
    return new JuySimulator()
  },
})
