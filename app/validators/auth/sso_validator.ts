import vine from '@vinejs/vine'
import { SSO_PROVIDERS } from '#services/auth/sso/providers'

/** An admin links a staff member to their DingTalk unionId or WeCom userid. */
export const linkIdentityValidator = vine.create({
  staffId: vine.number().withoutDecimals().positive(),
  provider: vine.enum(SSO_PROVIDERS),
  externalId: vine.string().trim().minLength(1).maxLength(128),
})

/** A tenant's DingTalk or WeCom app credentials. */
export const configureSsoAppValidator = vine.create({
  provider: vine.enum(SSO_PROVIDERS),
  clientId: vine.string().trim().minLength(1).maxLength(128),
  agentId: vine.string().trim().maxLength(64).optional(),
  clientSecret: vine.string().trim().minLength(1).maxLength(512),
  enabled: vine.boolean(),
})
