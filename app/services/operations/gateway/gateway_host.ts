import db from '@adonisjs/lucid/services/db'
import type { Logger } from '@adonisjs/core/logger'
import type { VendorAdapter, VendorCommand } from '#sdk/contracts/vendor'
import type PluginRegistry from '#plugins/registry'
import type { GatewayConfig } from '#config/gateway'
import DeviceEventService, { GATEWAY_CACHING } from '#services/operations/device_event_service'
import GatewaySink from '#services/operations/gateway/gateway_sink'

interface CommandRow {
  id: number
  command: string
  port_no: number | null
  parameters: Record<string, any> | null
  plugin_id: string
  device_key: string
}

/** A stored device command as the vendor contract names it. */
export function vendorCommandOf(
  row: Pick<CommandRow, 'command' | 'port_no' | 'parameters'>
): VendorCommand {
  const parameters = row.parameters ?? {}
  switch (row.command) {
    case 'start':
      return {
        type: 'start',
        portNo: row.port_no!,
        orderNo: String(parameters.orderNo),
        limit: parameters.limit,
        maxDurationSeconds: Number(parameters.maxDurationSeconds),
        balanceFen: parameters.balanceFen,
      }
    case 'stop':
      return { type: 'stop', portNo: row.port_no!, orderNo: parameters.orderNo ?? null }
    case 'reboot':
      return { type: 'reboot' }
    default:
      return { type: 'set_parameters', parameters }
  }
}

/**
 * The gateway process's vendor plugins: each created once with its platform
 * config, started with a sink into the core, and given the commands staff
 * and charging remote control queue for its piles.
 */
export default class GatewayHost {
  #adapters = new Map<string, VendorAdapter>()

  constructor(
    protected registry: PluginRegistry,
    protected config: GatewayConfig,
    protected logger: Logger,
    protected devices = new DeviceEventService(GATEWAY_CACHING)
  ) {}

  async start() {
    const wanted = this.config.plugins
    for (const { id } of this.registry.list('vendor')) {
      if (wanted.length && !wanted.includes(id)) continue
      const plugin = this.registry.find(id, 'vendor')!
      const adapter = await this.registry.instantiate(plugin, this.config.settings[id] ?? {}, {
        tenantId: null,
      })
      await adapter.start(new GatewaySink(id, this.devices))
      this.#adapters.set(id, adapter)
      this.logger.info(`gateway: ${id} listening on ${adapter.endpoint()}`)
    }
    return [...this.#adapters.keys()]
  }

  async stop() {
    for (const adapter of this.#adapters.values()) await adapter.stop()
    this.#adapters.clear()
  }

  adapter(pluginId: string) {
    return this.#adapters.get(pluginId) ?? null
  }

  /** Sends one queued device command to its pile and records the outcome. */
  async sendCommand(commandId: number) {
    // Which pile (and plugin) a command is for is platform-level knowledge: the owner reads it.
    const row: CommandRow | undefined = await db
      .connection('owner')
      .from('device_commands as c')
      .join('piles as p', 'p.id', 'c.pile_id')
      .where('c.id', commandId)
      .whereIn('c.status', ['pending', 'sent'])
      .select('c.id', 'c.command', 'c.port_no', 'c.parameters', 'p.plugin_id', 'p.device_key')
      .first()
    if (!row) return null
    const adapter = this.#adapters.get(row.plugin_id)
    if (!adapter) {
      await this.devices.recordCommandResult(row.id, 'failed', { detail: 'plugin_not_running' })
      return 'failed'
    }
    await this.devices.recordCommandResult(row.id, 'sent')
    const outcome = await adapter.send(row.device_key, {
      ...vendorCommandOf(row),
      commandId: row.id,
    })
    // The adapter reports the pile's own outcome (commandResult); only a pile it never reached is ours to record.
    if (outcome.status === 'not_connected') {
      await this.devices.recordCommandResult(row.id, 'failed', { detail: 'not_connected' })
      return 'failed'
    }
    return outcome.status
  }
}
