import vine from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'

export const projectValidator = vine.create({
  code: vine
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,64}$/),
  name: vine.string().trim().minLength(1).maxLength(120),
})

export const projectUpdateValidator = vine.create({
  code: vine
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,64}$/),
  name: vine.string().trim().minLength(1).maxLength(120),
  status: vine.enum(['active', 'archived'] as const),
})

export type ProjectInput = Infer<typeof projectValidator>
