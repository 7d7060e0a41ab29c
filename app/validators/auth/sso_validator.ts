import vine from '@vinejs/vine'
import { SSO_PROVIDERS } from '#services/auth/sso/providers'

/** An admin links a staff member to their DingTalk unionId or WeCom userid. */
export const linkIdentityValidator = vine.create({
  staffId: vine.number().withoutDecimals().positive(),
  provider: vine.enum(SSO_PROVIDERS),
  externalId: vine.string().trim().minLength(1).maxLength(128),
})

const secret = vine.string().trim().minLength(1).maxLength(512)

/**
 * A tenant's DingTalk or WeCom app credentials. The secret, a protected
 * setting, is typed again in `confirm.clientSecret`; left out, the stored
 * one stays.
 */
export const configureSsoAppValidator = vine.create({
  provider: vine.enum(SSO_PROVIDERS),
  clientId: vine.string().trim().minLength(1).maxLength(128),
  agentId: vine.string().trim().maxLength(64).optional(),
  clientSecret: secret.clone().optional(),
  confirm: vine.object({ clientSecret: secret.clone().optional() }).optional(),
  enabled: vine.boolean(),
})
