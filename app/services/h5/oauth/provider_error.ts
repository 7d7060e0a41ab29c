/**
 * A provider refused or garbled a sign-in call. Its text goes to the log
 * only: the rider sees a generic message, never the provider's words.
 */
export class RiderOauthProviderError extends Error {
  constructor(
    readonly provider: 'wechat' | 'alipay',
    readonly code: string,
    detail: string
  ) {
    super(`${provider} sign-in refused (${code}): ${detail}`)
  }
}

/** What a driver's user() carries in `original`: the parts the H5 keeps. */
export type ProvenAccount = {
  unionId: string | null
  /** Only when the rider agreed to share it (WeChat snsapi_userinfo). */
  nickname: string | null
}
