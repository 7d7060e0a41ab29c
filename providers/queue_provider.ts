import type { ApplicationService } from '@adonisjs/core/types'
import QueueManager from '#core/queue/queue_manager'

declare module '@adonisjs/core/types' {
  interface ContainerBindings {
    queue: QueueManager
  }
}

export default class QueueProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton('queue', async () => {
      const config = this.app.config.get<any>('queue')
      return new QueueManager(config)
    })
  }

  async shutdown() {
    if (this.app.container.hasBinding('queue')) {
      const queue = await this.app.container.make('queue')
      await queue.close()
    }
  }
}
