import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * The gateway role: runs every vendor plugin (their TCP, MQTT and WebSocket
 * listeners), hands their events to the core, holds leases on the piles
 * connected to it and sends their device commands. Any number may run.
 */
export default class GatewayCommand extends BaseCommand {
  static commandName = 'gateway'
  static description = 'Run the device gateway (vendor-adapter plugins)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  async run() {
    // Imported here so ace can list commands before the app (and Lucid) boots.
    const { default: gatewayConfig } = await import('#config/gateway')
    const { default: GatewayHost } = await import('#services/operations/gateway/gateway_host')
    const registry = await this.app.container.make('plugins')
    const logger = await this.app.container.make('logger')
    const host = new GatewayHost(registry, gatewayConfig, logger)
    const running = await host.start()

    this.logger.info(`gateway ready: ${running.length} vendor plugin(s): ${running.join(', ')}`)

    this.app.terminating(async () => {
      await host.stop()
    })
  }
}
