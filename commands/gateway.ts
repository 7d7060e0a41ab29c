import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import HeartbeatService from '#services/system/heartbeat_service'

/**
 * The gateway role: keeps device connections through vendor plugins. No
 * vendor plugin exists yet, so it only reports that it is alive.
 */
export default class GatewayCommand extends BaseCommand {
  static commandName = 'gateway'
  static description = 'Run the device gateway (vendor-adapter plugins)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  async run() {
    const heartbeats = new HeartbeatService()
    await heartbeats.beat('gateway')
    const timer = setInterval(() => {
      heartbeats.beat('gateway').catch((error) => this.logger.error(error.message))
    }, 60_000)

    this.logger.info('gateway ready: 0 vendor plugins loaded')

    this.app.terminating(() => clearInterval(timer))
  }
}
