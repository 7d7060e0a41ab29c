import vine from '@vinejs/vine'
import Staff from '#models/staff'
import { COMMON_PASSWORDS } from '#validators/rules/common_passwords'

const MIN_PASSWORD_LENGTH = 10

/**
 * The account a new password must not contain: the form's own account field
 * (creating staff or a tenant's first admin), else the meta the caller passes
 * (`account` for one's own, `staffId` for a reset of someone else's).
 */
async function accountOf(field: { parent: any; meta: Record<string, any> }) {
  const fromForm = field.parent?.account ?? field.parent?.adminAccount
  if (typeof fromForm === 'string') return fromForm
  if (typeof field.meta.account === 'string') return field.meta.account
  if (typeof field.meta.staffId === 'number' && Number.isSafeInteger(field.meta.staffId)) {
    // Read through the owner connection: validation runs before the tenant's transaction.
    const staff = await Staff.query({ connection: 'owner' }).where('id', field.meta.staffId).first()
    return staff?.account ?? null
  }
  return null
}

const passwordPolicy = vine.createRule(
  async (value, _, field) => {
    if (typeof value !== 'string' || !field.isValid) return
    const password = value.toLowerCase()
    if (COMMON_PASSWORDS.has(password)) {
      field.report('{field} is too common', 'passwordCommon', field)
      return
    }
    const account = await accountOf(field)
    const name = account?.trim().toLowerCase()
    if (name && password.includes(name)) {
      field.report('{field} must not contain the account', 'passwordAccount', field)
    }
  },
  { isAsync: true }
)

/** A staff or admin password as OWASP asks: long enough, not common, not the account. */
export const newPassword = () =>
  vine.string().minLength(MIN_PASSWORD_LENGTH).maxLength(128).use(passwordPolicy())
