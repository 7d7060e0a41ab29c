import vine from '@vinejs/vine'

// The 开卡 card fee (工本费) in fen, up to 1,000 元; 0 means free.
const cardFee = () => vine.number({ strict: true }).withoutDecimals().min(0).max(100000).optional()

export const projectValidator = vine.create({
  code: vine
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,64}$/),
  name: vine.string().trim().minLength(1).maxLength(120),
  cardFee: cardFee(),
})

export const projectUpdateValidator = vine.create({
  code: vine
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,64}$/),
  name: vine.string().trim().minLength(1).maxLength(120),
  status: vine.enum(['active', 'archived'] as const),
  cardFee: cardFee(),
})
