import type { SsoProvider } from '#services/auth/sso/sso_provider_names'

/*
 * The sign-in pages' props, built by the auth controllers and imported by the
 * pages (types only). Type aliases: Inertia props are plain JSON.
 */

export type LoginPageProps = {
  /** `?tenant=<code>`: that tenant's company-account sign-in buttons (none without it). */
  sso: { tenantCode: string; providers: SsoProvider[] }
}

export type ChangePasswordPageProps = {
  /** The password must change before anything else (a new account, or reset by an admin). */
  forced: boolean
}
