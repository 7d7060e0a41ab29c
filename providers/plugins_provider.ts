import type { ApplicationService } from '@adonisjs/core/types'
import PluginRegistry from '#plugins/registry'

declare module '@adonisjs/core/types' {
  interface ContainerBindings {
    plugins: PluginRegistry
  }
}

/** Finds the plugins under plugins/ once per process, when the app starts. */
export default class PluginsProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton('plugins', async () => {
      const logger = await this.app.container.make('logger')
      const { publicUrl } = await import('#config/app')
      const registry = new PluginRegistry({
        production: this.app.inProduction,
        logger,
        publicUrl,
      })
      await registry.discover(this.app.makePath('plugins'))
      return registry
    })
  }

  /** A broken plugin stops the start rather than the first request that needs it. */
  async start() {
    await this.app.container.make('plugins')
  }
}
