import vine from '@vinejs/vine'

/** The payment setting a notification is addressed to (URL parameter). */
export const settingIdValidator = vine.create({
  settingId: vine.number().withoutDecimals().min(1),
})

/** A payment of the staff's dialog (URL parameter). */
export const paymentIdValidator = vine.create({
  id: vine.number().withoutDecimals().min(1),
})

/** The 充值 page's query string may name the payment its dialog follows. */
export const paymentQueryValidator = vine.create({
  payment: vine.number().withoutDecimals().min(1).optional(),
})
