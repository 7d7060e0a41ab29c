import { readdir, access } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Logger } from '@adonisjs/core/logger'
import { isPluginDefinition, PluginDefinitionError } from '#sdk/define_plugin'
import type {
  PluginContext,
  PluginDefinition,
  PluginInstances,
  PluginKind,
} from '#sdk/contracts/plugin'

/** How a secret reads wherever config is shown: never the value, at most its tail. */
export function maskSecret(value: unknown) {
  const text = typeof value === 'string' ? value : ''
  return text.length >= 12 ? `******${text.slice(-4)}` : '******'
}

/**
 * The plugins this process knows: every `plugins/<id>/index.ts` (index.js
 * once built), found at boot. Adding a plugin is adding a folder.
 */
export default class PluginRegistry {
  #plugins = new Map<string, PluginDefinition>()

  constructor(protected options: { production: boolean; logger: Logger; publicUrl: string }) {}

  /** Loads each plugin folder of `directory`; a broken plugin stops the boot. */
  async discover(directory: string) {
    const entries = await readdir(directory, { withFileTypes: true }).catch((error) => {
      if (error.code === 'ENOENT') return []
      throw error
    })
    for (const entry of entries.filter((item) => item.isDirectory()).sort(byName)) {
      const file = await findIndex(join(directory, entry.name))
      if (!file) continue
      const module = await import(pathToFileURL(file).href)
      const definition: unknown = module.default
      if (!isPluginDefinition(definition)) {
        throw new PluginDefinitionError(
          entry.name,
          `${file} must default-export definePlugin({...})`
        )
      }
      if (definition.id !== entry.name) {
        throw new PluginDefinitionError(
          definition.id,
          `its folder must be named after its id, not "${entry.name}"`
        )
      }
      this.register(definition)
    }
  }

  register(definition: PluginDefinition) {
    if (this.#plugins.has(definition.id)) {
      throw new PluginDefinitionError(definition.id, 'is defined twice')
    }
    if (definition.developmentOnly && this.options.production) {
      this.options.logger.info({ plugin: definition.id }, 'development-only plugin not loaded')
      return
    }
    this.#plugins.set(definition.id, definition)
  }

  list(kind?: PluginKind): PluginDefinition[] {
    const all = [...this.#plugins.values()]
    return kind ? all.filter((plugin) => plugin.kind === kind) : all
  }

  get(id: string): PluginDefinition | null {
    return this.#plugins.get(id) ?? null
  }

  find<Kind extends PluginKind>(id: string, kind: Kind): PluginDefinition<Kind> | null {
    const plugin = this.#plugins.get(id)
    return plugin && plugin.kind === kind ? (plugin as PluginDefinition<Kind>) : null
  }

  /** Splits validated config into what is stored in clear and what is encrypted. */
  splitSecrets(plugin: PluginDefinition, config: Record<string, unknown>) {
    const settings: Record<string, unknown> = {}
    const secrets: Record<string, unknown> = {}
    for (const [field, value] of Object.entries(config)) {
      if (plugin.secrets.includes(field)) secrets[field] = value
      else settings[field] = value
    }
    return { settings, secrets }
  }

  /** Config as it may be shown or returned: secrets masked. */
  maskConfig(plugin: PluginDefinition, config: Record<string, unknown>) {
    return Object.fromEntries(
      Object.entries(config).map(([field, value]) => [
        field,
        plugin.secrets.includes(field) ? maskSecret(value) : value,
      ])
    )
  }

  /** Validates `config` with the plugin's schema and builds an instance. */
  async instantiate<Kind extends PluginKind>(
    plugin: PluginDefinition<Kind>,
    config: unknown,
    context: Omit<PluginContext, 'logger' | 'publicUrl'>
  ): Promise<PluginInstances[Kind]> {
    const valid = await plugin.validateConfig(config)
    const logger = this.options.logger.child({ plugin: plugin.id, tenantId: context.tenantId })
    return plugin.create(valid, { ...context, logger, publicUrl: this.options.publicUrl })
  }
}

function byName(a: { name: string }, b: { name: string }) {
  return a.name.localeCompare(b.name)
}

async function findIndex(folder: string) {
  for (const name of ['index.js', 'index.ts']) {
    const file = join(folder, name)
    const exists = await access(file).then(
      () => true,
      () => false
    )
    if (exists) return file
  }
  return null
}
