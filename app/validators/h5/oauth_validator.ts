import vine from '@vinejs/vine'
import { mobilePhone, smsCode } from '#validators/rules/fields'

/*
| What WeChat (`code`) or Alipay (`auth_code`, with `app_id` and `scope`)
| sends the rider's browser back with. Bounded before anything is looked up;
| a missing code (the rider declined) is answered by the controller.
*/
const token = vine
  .string()
  .trim()
  .maxLength(256)
  .regex(/^[A-Za-z0-9_\-.]+$/)

export const h5OauthCallbackValidator = vine.create(
  vine.object({
    state: vine
      .string()
      .maxLength(64)
      .regex(/^[A-Za-z0-9_-]+$/),
    code: token.clone().optional(),
    auth_code: token.clone().optional(),
  })
)

export const h5OauthRedirectValidator = vine.create(
  vine.object({
    /** WeChat only: the rider chose 使用微信昵称 (snsapi_userinfo). */
    profile: vine.literal('1').optional(),
  })
)

/** 绑定手机号: the code sent to the phone (an image captcha once an IP has asked a few). */
export const h5BindCodeValidator = vine.create({
  phone: mobilePhone(),
  captcha: vine.string().trim().maxLength(16).optional(),
})

export const h5BindPhoneValidator = vine.create({
  phone: mobilePhone(),
  code: smsCode(),
})
