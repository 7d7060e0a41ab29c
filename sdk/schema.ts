/*
| VineJS, as the kit hands it to plugins: the schema of a plugin's config
| (definePlugin) and of its protocol's messages. Plugins import it from here,
| so the kit stays the one module they depend on for the host's tools.
*/
export { default as vine, errors } from '@vinejs/vine'
export type { Infer, SchemaTypes } from '@vinejs/vine/types'
