import type { Option } from '#services/page_props'
import type { SsoProvider } from '#services/auth/sso/sso_provider_names'

/*
 * The props of the 权限 pages (管理员, 角色), built by the controllers of
 * app/controllers/permissions and imported by the pages (types only).
 * Type aliases: Inertia props are plain JSON.
 */

export type StaffMember = {
  id: number
  account: string
  name: string
  status: 'active' | 'disabled'
  mustChangePassword: boolean
  lastLoginAt: string | null
  roleIds: number[]
  projectIds: number[]
  self: boolean
  manageable: boolean
}
export type StaffPageProps = {
  members: StaffMember[]
  /** Only roles whose permissions the admin holds are grantable. */
  roles: (Option & { grantable: boolean })[]
  projects: Option[]
  allProjectsGrantable: boolean
  /** Accounts (DingTalk, WeCom) linked to staff members, to sign in as them. */
  ssoIdentities: SsoIdentityRow[]
}

export type SsoIdentityRow = {
  id: number
  staffId: number
  provider: SsoProvider
  externalId: string
}
export type SsoAppRow = {
  provider: SsoProvider
  /** Null until the tenant sets this provider's app; the secret is never sent. */
  app: { clientId: string; agentId: string | null; enabled: boolean } | null
}
export type SsoPageProps = { ssoApps: SsoAppRow[]; ssoTenantWide: boolean }

export type RoleRow = {
  id: number
  name: string
  builtin: boolean
  permissions: string[]
  staffCount: number
}
export type RolesPageProps = {
  roles: RoleRow[]
  allPermissions: string[]
  ownPermissions: string[]
}
