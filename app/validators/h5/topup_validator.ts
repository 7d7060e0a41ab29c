import vine from '@vinejs/vine'
import { CUSTOM_YUAN } from '#services/h5/rider_topup'

/** 去支付: a package of the rider's project or whole yuan in range, and the page's key for this attempt. */
export const h5TopupValidator = vine.create({
  packageId: vine.number().withoutDecimals().positive().optional(),
  amountYuan: vine
    .number()
    .withoutDecimals()
    .range([CUSTOM_YUAN.min, CUSTOM_YUAN.max])
    .optional()
    .requiredIfMissing('packageId'),
  attempt: vine.string().uuid(),
})

/** A payment number in a URL: our format, bounded, before any lookup. */
export const h5TopupNumberValidator = vine.create({
  paymentNo: vine.string().regex(/^[0-9A-Za-z_-]{6,32}$/),
})

/** The attempt key the provider's page sends the rider back with. */
export const h5TopupAttemptValidator = vine.create({
  attempt: vine.string().uuid(),
})
