import vine from '@vinejs/vine'

export const loginValidator = vine.create({
  account: vine.string().trim().minLength(1).maxLength(64),
  password: vine.string().minLength(1).maxLength(128),
  captcha: vine.string().trim().minLength(1).maxLength(8),
  remember: vine.boolean().optional(),
})
