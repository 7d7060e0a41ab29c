import type { TenantStatus } from '#models/tenant'

/*
 * The platform console's props, built by its controllers and imported by its
 * pages (types only). Type aliases: Inertia props are plain JSON.
 */

export type TenantSummary = {
  id: number
  code: string
  name: string
  status: TenantStatus
  projectCount: number
  staffCount: number
  createdAt: string
}

export type TenantsPageProps = {
  /** The platform admin signed in. */
  admin: { name: string; account: string }
  tenants: TenantSummary[]
}
