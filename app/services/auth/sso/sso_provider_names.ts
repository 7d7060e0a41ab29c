/** The company-account providers staff can sign in with. */
export const SSO_PROVIDERS = ['dingtalk', 'wecom'] as const

export type SsoProvider = (typeof SSO_PROVIDERS)[number]

export function isSsoProvider(value: string): value is SsoProvider {
  return (SSO_PROVIDERS as readonly string[]).includes(value)
}
