import vine from '@vinejs/vine'
import { newPassword } from '#validators/rules/password_policy'

const ids = () => vine.array(vine.number().withoutDecimals().positive()).maxLength(50)
const password = newPassword

/*
| Staff accounts are unique across the platform (the login form has no
| tenant field), so uniqueness is checked through the owner connection:
| the app role only sees its own tenant's staff.
*/
export const createStaffValidator = vine.create({
  account: vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.@-]{3,64}$/)
    .unique({ table: 'staff', column: 'account', connection: 'owner', caseInsensitive: true }),
  name: vine.string().trim().minLength(1).maxLength(64),
  password: password(),
  roleIds: ids().minLength(1),
  projectIds: ids(),
})

export const updateStaffValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(64),
  roleIds: ids().minLength(1),
  projectIds: ids(),
})

export const staffStatusValidator = vine.create({
  status: vine.enum(['active', 'disabled'] as const),
})

export const resetPasswordValidator = vine.withMetaData<{ staffId: number }>().create({
  password: password(),
})

export const changeOwnPasswordValidator = vine.withMetaData<{ account: string }>().create({
  currentPassword: vine.string().minLength(1).maxLength(128),
  password: password().confirmed({ confirmationField: 'passwordConfirmation' }),
})
