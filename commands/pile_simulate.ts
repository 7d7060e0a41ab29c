import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import vine, { errors } from '@vinejs/vine'

const optionsValidator = vine.create({
  plugin: vine.string().regex(/^vendor-[a-z0-9-]+$/),
  piles: vine.number().withoutDecimals().range([1, 10_000]),
  ports: vine.number().withoutDecimals().range([1, 64]),
  duration: vine.number().withoutDecimals().range([1, 86_400]),
  speed: vine.number().range([1, 3600]),
  seed: vine.number().withoutDecimals().optional(),
  endpoint: vine
    .string()
    .url({ require_tld: false, protocols: ['tcp', 'mqtt', 'ws', 'wss'] })
    .optional(),
  tenant: vine
    .string()
    .regex(/^[a-z0-9_]{2,32}$/)
    .optional(),
})

/**
 * Piles of one vendor plugin, simulated on its own wire protocol against a
 * running gateway: they log in, heartbeat, swipe cards, charge with
 * realistic power curves and end charges; a summary is printed at the end.
 */
export default class PileSimulateCommand extends BaseCommand {
  static commandName = 'pile:simulate'
  static description =
    "Simulate piles of a vendor plugin against the gateway (the plugin's simulator)"
  static options: CommandOptions = { startApp: true }

  @flags.string({ description: 'Vendor plugin id, e.g. vendor-dny', required: true })
  declare plugin: string

  @flags.number({ description: 'Number of piles', default: 2 })
  declare piles: number

  @flags.number({ description: 'Ports per pile', default: 2 })
  declare ports: number

  @flags.number({ description: 'Seconds to run', default: 60 })
  declare duration: number

  @flags.number({ description: 'Simulated seconds per real second', default: 60 })
  declare speed: number

  @flags.number({ description: 'Random seed, to replay a run' })
  declare seed?: number

  @flags.string({
    description: "The gateway's address (default: this machine, from config/gateway.ts)",
  })
  declare endpoint?: string

  @flags.string({ description: "Use this tenant's registered piles and bound cards (tenant code)" })
  declare tenant?: string

  async run() {
    let options
    try {
      options = await optionsValidator.validate({
        plugin: this.plugin,
        piles: this.piles,
        ports: this.ports,
        duration: this.duration,
        speed: this.speed,
        seed: this.seed,
        endpoint: this.endpoint,
        tenant: this.tenant,
      })
    } catch (error) {
      if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
      for (const message of error.messages)
        this.logger.error(`${message.field}: ${message.message}`)
      this.exitCode = 1
      return
    }
    const { default: gatewayConfig } = await import('#config/gateway')
    const { demoFleet } = await import('#services/operations/gateway/demo_fleet')
    const registry = await this.app.container.make('plugins')
    const plugin = registry.find(options.plugin, 'vendor')
    if (!plugin?.simulator) {
      this.logger.error(`${options.plugin}: no vendor plugin with a simulator under plugins/`)
      this.exitCode = 1
      return
    }
    const adapter = await registry.instantiate(plugin, gatewayConfig.settings[plugin.id] ?? {}, {
      tenantId: null,
    })
    const endpoint = options.endpoint ?? adapter.endpoint().replace('0.0.0.0', '127.0.0.1')
    const fleet = options.tenant ? await demoFleet(plugin.id, options.tenant, options.piles) : null
    const credentials = fleet ? await this.#credentials(plugin.id, fleet.deviceKeys) : undefined

    const simulator = await plugin.simulator()
    // Ctrl-C or a supervisor's stop ends the run early: piles close and the summary prints.
    const interrupted = new AbortController()
    const interrupt = () => interrupted.abort()
    process.once('SIGINT', interrupt)
    process.once('SIGTERM', interrupt)
    const summary = await simulator.run({
      endpoint,
      piles: fleet?.deviceKeys.length || options.piles,
      ports: options.ports,
      durationSeconds: options.duration,
      speed: options.speed,
      seed: options.seed,
      deviceKeys: fleet?.deviceKeys,
      credentials,
      cardNos: fleet?.cardNos,
      logger: await this.app.container.make('logger'),
      signal: interrupted.signal,
    })
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
    this.logger.log(`${plugin.id} simulation against ${endpoint}: ${JSON.stringify(summary)}`)
    if (summary.errors > 0) this.exitCode = 1
  }

  /**
   * What the tenant's piles prove themselves with: the demo seeder's file
   * (development only). Piles without an entry present none, and the gateway
   * lets them in only if staff allowed connecting without authentication.
   */
  async #credentials(pluginId: string, deviceKeys: string[]) {
    const { readDemoCredentials } = await import('#services/operations/demo_credentials')
    const file = await readDemoCredentials()
    const known = file[pluginId] ?? {}
    const missing = deviceKeys.filter((key) => !known[key])
    if (missing.length > 0) {
      this.logger.warning(
        `${pluginId}: no credentials for ${missing.join(', ')} in tmp/demo-pile-credentials.json (the demo seeder writes it in development)`
      )
    }
    return Object.fromEntries(deviceKeys.flatMap((key) => (known[key] ? [[key, known[key]]] : [])))
  }
}
