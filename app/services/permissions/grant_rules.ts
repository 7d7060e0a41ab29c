/*
| The one rule behind every grant: nobody gives, takes or uses over another
| staff member more than they hold themselves. Rights are a set of
| permissions and the projects they apply to (null: every project, present
| and future). These functions are pure; GrantGuard applies them.
*/

/** What a staff member may do, and where. */
export interface Rights {
  permissions: ReadonlySet<string>
  /** The projects they are limited to; null means all of them. */
  projectIds: readonly number[] | null
}

/** Whether `actor` holds every one of `permissions`. */
export function holdsPermissions(actor: Rights, permissions: Iterable<string>) {
  for (const permission of permissions) {
    if (!actor.permissions.has(permission)) return false
  }
  return true
}

/**
 * Whether `projectIds` (null: all projects) lie within the actor's
 * projects: a project-limited actor can never give "all projects".
 */
export function holdsProjects(actor: Rights, projectIds: readonly number[] | null) {
  if (actor.projectIds === null) return true
  if (projectIds === null) return false
  const own = new Set(actor.projectIds)
  return projectIds.every((id) => own.has(id))
}

/**
 * Whether `actor` may act over a staff member holding `target`: their
 * permissions and projects both lie within the actor's. A super admin over
 * all projects covers everyone; nobody with less covers a super admin.
 */
export function covers(actor: Rights, target: Rights) {
  return holdsPermissions(actor, target.permissions) && holdsProjects(actor, target.projectIds)
}

/** Whether two id sets are the same (for project limits, null: all projects). */
export function sameIds(a: readonly number[] | null, b: readonly number[] | null) {
  if (a === null || b === null) return a === b
  const left = new Set(a)
  const right = new Set(b)
  return left.size === right.size && [...left].every((id) => right.has(id))
}

/** Whether `after` takes anything away from `before` (a role removed, a project dropped). */
export function narrows(
  before: { roleIds: readonly number[]; projectIds: readonly number[] | null },
  after: { roleIds: readonly number[]; projectIds: readonly number[] | null }
) {
  const roles = new Set(after.roleIds)
  if (before.roleIds.some((id) => !roles.has(id))) return true
  if (after.projectIds === null) return false
  if (before.projectIds === null) return true
  const projects = new Set(after.projectIds)
  return before.projectIds.some((id) => !projects.has(id))
}
