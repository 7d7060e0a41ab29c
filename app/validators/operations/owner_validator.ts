import vine from '@vinejs/vine'

const optionalText = (max: number) => vine.string().trim().maxLength(max).nullable().optional()
const clock = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/
// Prices in 0.01 fen per kWh: up to ¥100/kWh.
const price = () => vine.number({ strict: true }).withoutDecimals().min(0).max(1_000_000)

/** 业主: a name, and optionally a contact person and phone. */
export const ownerValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(64),
  contact: optionalText(64),
  phone: vine
    .string()
    .trim()
    .maxLength(20)
    .regex(/^[0-9+\- ]*$/)
    .nullable()
    .optional(),
})

/**
 * A station's owner and share (percent in basis points up to 100%, or fen
 * per kWh), and its electricity tariff (0.01 fen per kWh, flat plus
 * periods of the day; the service refuses overlapping periods).
 */
export const stationMoneyValidator = vine.create({
  ownerId: vine.number({ strict: true }).withoutDecimals().min(1).nullable().optional(),
  share: vine
    .object({
      kind: vine.enum(['percent', 'per_kwh'] as const),
      value: vine.number({ strict: true }).withoutDecimals().min(0).max(10_000),
    })
    .nullable()
    .optional(),
  electricityTariff: vine
    .object({
      flat: price(),
      periods: vine
        .array(
          vine.object({
            from: vine.string().trim().regex(clock),
            to: vine.string().trim().regex(clock),
            price: price(),
          })
        )
        .maxLength(12),
    })
    .nullable()
    .optional(),
})

/** Tying a staff member to an owner (an owner account), or untying them. */
export const ownerAccountValidator = vine.create({
  staffId: vine.number({ strict: true }).withoutDecimals().min(1),
  linked: vine.boolean({ strict: true }),
})

export const ownerIdValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().min(1) }),
})
