import db from '@adonisjs/lucid/services/db'
import type { Logger } from '@adonisjs/core/logger'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import type PluginRegistry from '#plugins/registry'
import type { GatewayConfig } from '#config/gateway'
import DeviceEventService, { GATEWAY_CACHING } from '#services/operations/device_event_service'
import {
  COMMAND_COLUMNS,
  deliverCommand,
  type CommandRow,
} from '#services/operations/gateway/command_delivery'
import CommandRouter from '#services/operations/gateway/command_router'
import GatewayLeases from '#services/operations/gateway/gateway_leases'
import GatewaySink from '#services/operations/gateway/gateway_sink'

/**
 * The gateway process's vendor plugins: each created once with its platform
 * config, started with a sink into the core, and given the commands staff
 * and charging remote control queue for its piles.
 *
 * With `routing` in its config the host is one gateway among several: it
 * holds leases on the piles connected to it (GatewayLeases) and claims the
 * commands of those piles (CommandRouter). Without, it sends only what
 * sendCommand is given (tests of one gateway, tools).
 */
export default class GatewayHost {
  #adapters = new Map<string, VendorAdapter>()
  #router: CommandRouter | null = null
  /** Plugins whose piles every gateway reaches. */
  #everyPile: string[] = []
  readonly leases: GatewayLeases | null

  constructor(
    protected registry: PluginRegistry,
    protected config: GatewayConfig,
    protected logger: Logger,
    protected devices = new DeviceEventService(GATEWAY_CACHING)
  ) {
    this.leases = config.routing
      ? new GatewayLeases(config.routing, logger, (pluginId, deviceKey) =>
          this.#forget(pluginId, deviceKey)
        )
      : null
  }

  async start() {
    try {
      return await this.#start()
    } catch (error) {
      // A listener that cannot open (a port taken): what did start, and this gateway's row, go.
      await this.stop().catch(() => {})
      throw error
    }
  }

  async #start() {
    // The row first: leases taken as piles connect refer to it.
    await this.leases?.join()
    const wanted = this.config.plugins
    for (const { id } of this.registry.list('vendor')) {
      if (wanted.length && !wanted.includes(id)) continue
      const plugin = this.registry.find(id, 'vendor')!
      const adapter = await this.registry.instantiate(plugin, this.config.settings[id] ?? {}, {
        tenantId: null,
      })
      // Piles any gateway reaches (a shared broker) are leased to none: any gateway claims their commands.
      const everyPile = adapter.reachesEveryPile?.() ?? false
      await adapter.start(new GatewaySink(id, this.devices, everyPile ? null : this.leases))
      this.#adapters.set(id, adapter)
      if (everyPile) this.#everyPile.push(id)
      this.logger.info(`gateway: ${id} listening on ${adapter.endpoint()}`)
    }
    if (this.leases && this.config.routing) {
      this.#router = new CommandRouter(
        this.leases,
        this.config.routing,
        (pluginId) => this.adapter(pluginId),
        this.#everyPile,
        this.devices,
        this.logger
      )
      await this.#router.start()
    }
    return [...this.#adapters.keys()]
  }

  /** A clean stop: no more claims, commands in flight finish, then piles and leases go. */
  async stop() {
    await this.#router?.stop()
    this.#router = null
    for (const adapter of this.#adapters.values()) await adapter.stop()
    this.#adapters.clear()
    this.#everyPile = []
    await this.leases?.leave()
  }

  adapter(pluginId: string) {
    return this.#adapters.get(pluginId) ?? null
  }

  /** Sends one stored device command to its pile now and records the outcome. */
  async sendCommand(commandId: number) {
    // Which pile (and plugin) a command is for is platform-level knowledge: the owner reads it.
    const row: CommandRow | undefined = await db
      .connection('owner')
      .from('device_commands as c')
      .join('piles as p', 'p.id', 'c.pile_id')
      .where('c.id', commandId)
      .whereIn('c.status', ['pending', 'sent'])
      .select(db.raw(COMMAND_COLUMNS))
      .first()
    if (!row) return null
    const adapter = this.adapter(row.plugin_id)
    if (adapter) await this.devices.recordCommandResult(row.id, 'sent')
    return deliverCommand(adapter, row, this.devices, 'fail')
  }

  /** The pile is another gateway's now: its connection here, if any, is dropped unreported. */
  async #forget(pluginId: string, deviceKey: string) {
    await this.adapter(pluginId)?.forget?.(deviceKey)
  }
}
