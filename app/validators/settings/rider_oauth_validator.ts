import vine from '@vinejs/vine'

const secret = vine.string().trim().minLength(1).maxLength(4096)

/**
 * A tenant's rider sign-in app (配置 › 用户登录). The secret (WeChat AppSecret
 * or Alipay application private key) and the Alipay public key are
 * protected: typed again under `confirm.`; left out, the stored ones stay.
 */
export const riderOauthAppValidator = vine.create({
  provider: vine.enum(['wechat', 'alipay'] as const),
  appId: vine
    .string()
    .trim()
    .minLength(1)
    .maxLength(64)
    .regex(/^[A-Za-z0-9_-]+$/),
  secret: secret.clone().optional(),
  alipayPublicKey: secret.clone().optional(),
  confirm: vine
    .object({ secret: secret.clone().optional(), alipayPublicKey: secret.clone().optional() })
    .optional(),
  enabled: vine.boolean(),
})
