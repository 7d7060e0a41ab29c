import vine from '@vinejs/vine'

/** The rider lookup of the 充值 page (query string). */
export const topupLookupValidator = vine.create({
  phone: vine.string().trim().maxLength(20).optional(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
})

/**
 * A counter cash top-up: a package, or a custom amount in fen (its range is
 * checked by the wallet against the project's cap). The key is made by the
 * page once per form submission, so a double click posts once.
 */
export const counterTopupValidator = vine.create({
  riderId: vine.number({ strict: true }).withoutDecimals().min(1),
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  packageId: vine.number({ strict: true }).withoutDecimals().min(1).optional(),
  realAmount: vine.number({ strict: true }).optional().requiredIfMissing('packageId'),
  idempotencyKey: vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{16,64}$/),
})
