import vine from '@vinejs/vine'
import { mobilePhone, smsCode, wholeNumberWhen } from '#validators/rules/fields'

/** H5 sign-in: the code sent to the phone (an image captcha once an IP has asked a few), and a name when the phone is new (开户). */
export const h5CodeValidator = vine.create({
  phone: mobilePhone(),
  captcha: vine.string().trim().maxLength(16).optional(),
})

export const h5LoginValidator = vine.create({
  phone: mobilePhone(),
  code: smsCode(),
  name: vine.string().trim().maxLength(64).optional(),
})

/** 开始充电: 充满自停, fixed hours, or a fixed amount (fen). */
export const h5StartValidator = vine.create({
  durationType: vine.enum(['full', 'hours', 'amount'] as const),
  hours: wholeNumberWhen('durationType', 'hours', [1, 24]),
  amount: wholeNumberWhen('durationType', 'amount', [1, 100_000]),
})

/** 申请退款: real money in fen. */
export const h5RefundValidator = vine.create({
  amount: vine.number().withoutDecimals().range([1, 100_000_000]),
  reason: vine.string().trim().minLength(1).maxLength(200),
})

/** Staff: 通过 (how the money goes back) or 驳回 (why). */
export const approveRefundRequestValidator = vine.create({
  channel: vine.enum(['original', 'cash'] as const),
  note: vine.string().trim().maxLength(200).optional(),
})

export const rejectRefundRequestValidator = vine.create({
  note: vine.string().trim().minLength(1).maxLength(200),
})

export const refundRequestListValidator = vine.create({
  status: vine.enum(['pending', 'approved', 'rejected'] as const).optional(),
})
