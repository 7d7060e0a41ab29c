import vine from '@vinejs/vine'
import { definePlugin } from '#plugins/define_plugin'
import { DnyAdapter, type DnyAdapterConfig } from './adapter.js'

/*
| AP3000 "DNY" e-bike piles over TCP (a 4G module per pile or per host).
| Created once by the gateway with platform config; see README.md.
*/

const DEFAULTS = {
  host: '0.0.0.0',
  port: 7001,
  maxConnections: 10_000,
  ackTimeoutMs: 15_000,
  commandGapMs: 500,
  heartbeatSeconds: 180,
  maxFrameLength: 512,
  cardNumberFormat: 'hex',
  maxDurationSeconds: 36_000,
  overloadPowerWatts: 1_000,
} satisfies DnyAdapterConfig

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
    maxConnections: whole(1, 1_000_000),
    ackTimeoutMs: whole(10, 120_000),
    commandGapMs: whole(0, 10_000),
    heartbeatSeconds: whole(10, 3_600),
    maxFrameLength: whole(9, 0xffff),
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
    return new DnyAdapter({ ...DEFAULTS, ...given }, context.logger.child({ plugin: 'vendor-dny' }))
  },
  simulator: () => import('./simulator.js').then((module) => module.default),
})
