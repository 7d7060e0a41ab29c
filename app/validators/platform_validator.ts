import vine from '@vinejs/vine'
import { newPassword } from '#validators/rules/password_policy'

const account = () =>
  vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.@-]{3,64}$/)
const password = newPassword

/*
| A new tenant with its first project and super admin. Staff accounts are
| unique across the platform (the login form has no tenant field), so both
| checks read through the owner connection; the database constraints catch
| a race between two platform admins.
*/
export const createTenantValidator = vine.create({
  tenantCode: vine
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z][a-z0-9_-]{1,63}$/)
    .unique({ table: 'tenants', column: 'code', connection: 'owner' }),
  tenantName: vine.string().trim().minLength(1).maxLength(120),
  projectName: vine.string().trim().minLength(1).maxLength(120),
  adminAccount: account().unique({
    table: 'staff',
    column: 'account',
    connection: 'owner',
    caseInsensitive: true,
  }),
  adminName: vine.string().trim().minLength(1).maxLength(64),
  adminPassword: password(),
})

/** `node ace platform:admin`: creates or resets a platform admin. */
export const platformAdminValidator = vine.create({
  account: account(),
  name: vine.string().trim().minLength(1).maxLength(64),
  password: password(),
})
