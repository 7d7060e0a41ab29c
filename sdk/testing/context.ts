import { Logger } from '@adonisjs/core/logger'
import type {
  PluginContext,
  PluginDefinition,
  PluginInstances,
  PluginKind,
} from '#sdk/contracts/plugin'

/** Where tests pretend PileHub is reached from outside. */
export const TEST_PUBLIC_URL = 'http://127.0.0.1:3333'

/** A silent logger, for plugins under test. */
export function testLogger() {
  return new Logger({ enabled: false, name: 'plugin-test' })
}

/** The context the core would give a plugin's factory, outside a tenant unless told. */
export function testContext(overrides: Partial<PluginContext> = {}): PluginContext {
  return { tenantId: null, logger: testLogger(), publicUrl: TEST_PUBLIC_URL, ...overrides }
}

/** Validates `config` with the plugin's schema and builds an instance, as the core does. */
export async function instantiatePlugin<Kind extends PluginKind>(
  plugin: PluginDefinition<Kind>,
  config: unknown,
  context: Partial<PluginContext> = {}
): Promise<PluginInstances[Kind]> {
  return plugin.create(await plugin.validateConfig(config), testContext(context))
}
