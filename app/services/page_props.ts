/*
 * Shapes that many pages' props share. Type-only, like the `*_props.ts` and
 * `*_rows.ts` files beside the services: the controllers build props that
 * satisfy them and the pages import them, so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

/** A choice in a select or a filter: a project, station, vendor, role … */
export type Option = { id: number; name: string }

/** A page-numbered list's place. */
export type Pagination = { page: number; perPage: number; total: number }
