import { VineObject, VineValidator } from '@vinejs/vine'
import type { Infer, MessagesProviderContact, SchemaTypes } from '@vinejs/vine/types'
import {
  PLUGIN_KINDS,
  type PluginConfigField,
  type PluginContext,
  type PluginDefinition,
  type PluginHttpRequest,
  type PluginHttpResponse,
  type PluginInstances,
  type PluginKind,
} from '#sdk/contracts/plugin'
import type { VendorSimulator } from '#sdk/contracts/vendor'

/** What a plugin's index.ts passes to definePlugin. */
export interface PluginDeclaration<
  Kind extends PluginKind,
  Schema extends SchemaTypes,
  Instance extends PluginInstances[Kind],
> {
  /** kebab-case, equal to the plugin's folder name. */
  id: string
  kind: Kind
  /** Semantic version, e.g. `1.0.0`. */
  version: string
  /** `vine.create({...})`: the config a tenant stores for the plugin. */
  config: VineValidator<Schema, any>
  secrets: readonly (keyof Infer<Schema> & string)[]
  capabilities: readonly string[]
  developmentOnly?: boolean
  /** Endpoints the plugin serves itself, at `/plugins/<id>/...`, without login. */
  http?(request: PluginHttpRequest): Promise<PluginHttpResponse>
  /** Vendor plugins: the simulator speaking the plugin's wire protocol. */
  simulator?(): Promise<VendorSimulator>
  create(config: Infer<Schema>, context: PluginContext): Instance | Promise<Instance>
}

export class PluginDefinitionError extends Error {
  constructor(id: unknown, problem: string) {
    super(`Plugin ${typeof id === 'string' ? `"${id}"` : '(without id)'}: ${problem}`)
    this.name = 'PluginDefinitionError'
  }
}

/** Each config field's type, read from the compiled schema. */
function describeConfig(validator: VineValidator<any, any>): PluginConfigField[] {
  const root = validator.toJSON().schema.schema
  if (root.type !== 'object') return []
  return root.properties.map((node) => {
    // VineJS names a literal's type in `subtype`, which the compiler's types leave out.
    const subtype = (node as { subtype?: string }).subtype
    const literal = subtype === 'string' || subtype === 'number' || subtype === 'boolean'
    return {
      name: node.fieldName,
      type: node.type === 'array' ? 'list' : node.type === 'literal' && literal ? subtype : 'other',
      optional: 'isOptional' in node && node.isOptional,
    }
  })
}

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/
const defined = new WeakSet<object>()

/** True for what definePlugin returned (the registry refuses anything else). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && defined.has(value)
}

/**
 * Declares a plugin. The declaration is checked here, so a broken plugin
 * fails at boot with its id and the problem rather than at first use.
 */
export function definePlugin<
  Kind extends PluginKind,
  Schema extends SchemaTypes,
  Instance extends PluginInstances[Kind],
>(
  declaration: PluginDeclaration<Kind, Schema, Instance>
): PluginDefinition<Kind, Infer<Schema>, Instance> {
  const { id } = declaration
  const refuse = (problem: string) => new PluginDefinitionError(id, problem)

  if (typeof id !== 'string' || !ID.test(id)) throw refuse('id must be kebab-case')
  if (!PLUGIN_KINDS.includes(declaration.kind)) {
    throw refuse(`kind must be one of ${PLUGIN_KINDS.join(', ')}`)
  }
  if (typeof declaration.version !== 'string' || !SEMVER.test(declaration.version)) {
    throw refuse('version must be a semantic version such as 1.0.0')
  }
  if (!(declaration.config instanceof VineValidator)) {
    throw refuse('config must be a VineJS validator: vine.create({...})')
  }
  const schema: unknown = declaration.config.schema
  if (!(schema instanceof VineObject)) throw refuse('config must validate an object')
  const configFields = Object.keys(schema.getProperties())
  const configSchema = describeConfig(declaration.config)

  const secrets = [...declaration.secrets]
  for (const secret of secrets) {
    if (!configFields.includes(secret)) throw refuse(`secret "${secret}" is not a config field`)
  }
  if (new Set(secrets).size !== secrets.length) throw refuse('secrets are listed twice')

  const capabilities = [...declaration.capabilities]
  if (capabilities.some((capability) => typeof capability !== 'string' || !capability)) {
    throw refuse('capabilities must be non-empty strings')
  }
  if (typeof declaration.create !== 'function') throw refuse('create must be a function')
  if (declaration.http !== undefined && typeof declaration.http !== 'function') {
    throw refuse('http must be a function')
  }

  const validator = declaration.config
  const definition: PluginDefinition<Kind, Infer<Schema>, Instance> = Object.freeze({
    id,
    kind: declaration.kind,
    version: declaration.version,
    configFields: Object.freeze(configFields),
    configSchema: Object.freeze(configSchema),
    secrets: Object.freeze(secrets),
    capabilities: Object.freeze(capabilities),
    developmentOnly: declaration.developmentOnly ?? false,
    validateConfig: (raw: unknown, options?: { messagesProvider?: MessagesProviderContact }) =>
      validator.validate(raw, options) as Promise<Infer<Schema>>,
    create: declaration.create,
    http: declaration.http,
    simulator: declaration.simulator,
  })
  defined.add(definition)
  return definition
}
