import { Logger } from '@adonisjs/core/logger'
import type {
  PluginContext,
  PluginDefinition,
  PluginInstances,
  PluginKind,
} from '#sdk/contracts/plugin'
import type { PluginLogger } from '#sdk/logger'

/** Where tests pretend PileHub is reached from outside. */
export const TEST_PUBLIC_URL = 'http://127.0.0.1:3333'

/** A silent logger, for plugins under test. */
export function testLogger(): PluginLogger {
  return new Logger({ enabled: false, name: 'plugin-test' })
}

/** A logger whose lines (pino's JSON: level, msg and the details) the test can read. */
export function recordingLogger(name = 'plugin-test') {
  const lines: Record<string, any>[] = []
  const logger: PluginLogger = new Logger({
    enabled: true,
    name,
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  return { logger, lines }
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
