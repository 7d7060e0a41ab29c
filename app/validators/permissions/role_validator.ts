import vine from '@vinejs/vine'
import { PERMISSIONS } from '#core/access/permissions'

export const roleValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(64),
  permissions: vine.array(vine.enum(PERMISSIONS)).distinct(),
})
