import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { edgeLimits, resolveEdgeLimits } from '#sdk/device_edge'
import { OcppAdapter } from './adapter.js'

/*
| OCPP 1.6J: any standard charger connects over WebSocket to
| ws://<host>:<port><path>/<chargeBoxId> (wss:// with `tls`) with subprotocol
| ocpp1.6, proving itself with HTTP Basic auth (Security Profile 1/2).
| Created once by the gateway with platform config (see README.md).
*/

export default definePlugin({
  id: 'vendor-ocpp16',
  kind: 'vendor',
  version: '1.0.0',
  config: vine.create({
    host: vine.string().trim().minLength(1).maxLength(255).optional(),
    port: vine.number({ strict: true }).withoutDecimals().min(0).max(65535).optional(),
    path: vine
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*\/?$/)
      .optional(),
    heartbeatInterval: vine
      .number({ strict: true })
      .withoutDecimals()
      .min(10)
      .max(86400)
      .optional(),
    callTimeoutMs: vine.number({ strict: true }).withoutDecimals().min(100).max(300_000).optional(),
    basicAuthPassword: vine.enum(['bytes', 'hex-text']).optional(),
    tls: vine
      .object({
        cert: vine.string().minLength(1).optional(),
        key: vine.string().minLength(1).optional(),
        certFile: vine.string().minLength(1).optional(),
        keyFile: vine.string().minLength(1).optional(),
      })
      .optional(),
    maxHeaderBytes: vine.number().withoutDecimals().min(1024).max(65_536).optional(),
    handshakeTimeoutMs: vine.number().withoutDecimals().min(100).optional(),
    /** Behind a balancer sending the PROXY protocol (HAProxy's send-proxy-v2): the charger's address comes from it. */
    proxyProtocol: vine.boolean().optional(),
    ...edgeLimits,
  }),
  secrets: ['tls'],
  capabilities: [
    'card-swipe',
    'remote-start',
    'remote-stop',
    'reboot',
    'set-parameters',
    'meter-values',
  ],
  simulator: async () => {
    const { OcppSimulator } = await import('./simulator.js')
    return new OcppSimulator()
  },
  create(config, { logger }) {
    return new OcppAdapter(
      {
        host: config.host ?? '0.0.0.0',
        port: config.port ?? 7003,
        path: config.path ?? '/ocpp',
        heartbeatInterval: config.heartbeatInterval ?? 300,
        callTimeoutMs: config.callTimeoutMs ?? 30_000,
        basicAuthPassword: config.basicAuthPassword ?? 'bytes',
        tls: config.tls ?? null,
        maxHeaderBytes: config.maxHeaderBytes ?? 8192,
        handshakeTimeoutMs: config.handshakeTimeoutMs ?? 10_000,
        proxyProtocol: config.proxyProtocol ?? false,
        // A long charge's StopTransaction carries its meter values: more room than the SDK's 64 KiB.
        limits: resolveEdgeLimits(config, { maxMessageBytes: 256 * 1024 }),
      },
      logger
    )
  },
})
