import vine from '@vinejs/vine'
import { definePlugin } from '#plugins/define_plugin'
import { OcppAdapter } from './adapter.js'

/*
| OCPP 1.6J: any standard charger connects over WebSocket to
| ws://<host>:<port><path>/<chargeBoxId> with subprotocol ocpp1.6.
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
    basicAuth: vine.record(vine.string().minLength(1).maxLength(40)).optional(),
  }),
  secrets: ['basicAuth'],
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
        basicAuth: config.basicAuth,
      },
      logger
    )
  },
})
