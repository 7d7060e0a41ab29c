import { inject } from '@adonisjs/core'
import vine, { errors } from '@vinejs/vine'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import GrantGuard, { GrantRefused, type GrantAttempt } from '#services/permissions/grant_guard'
import type TenantContext from '#core/tenancy/tenant_context'

/** One protected change to check: the fields, their stored, new and retyped values. */
export interface ProtectedChange {
  fields: readonly string[]
  /** What is stored now; empty when the setting is being created. */
  stored: Record<string, unknown>
  given: Record<string, unknown>
  /** The new values typed again. */
  confirm: Record<string, unknown>
  /** What was tried, for the refusal's audit record. */
  attempt: GrantAttempt
  /** Whether two values are the same; strict equality (a missing value as null) by default. */
  same?: (a: unknown, b: unknown) => boolean
  messagesProvider?: MessagesProviderContact
}

/**
 * Protected settings (issue 14): the values that decide whom PileHub
 * believes, a payment provider's public key or certificates, a sign-in
 * app's secret. Whoever changes one could have forged payments accepted or
 * sign in as anyone, so a change, setting one the first time included,
 * needs tenant-wide rights and the new value typed twice. Callers audit the
 * change naming the fields, never their values.
 */
@inject()
export default class ProtectedFields {
  constructor(protected grants: GrantGuard) {}

  /**
   * The protected fields this change sets to a new value, once the actor
   * may: an actor limited to projects gets GrantRefused (GrantGuard.run
   * audits it), a value not typed again the same a validation error under
   * `confirm.<field>`. An emptied field counts as a change too.
   */
  async changed(tenant: TenantContext, change: ProtectedChange): Promise<string[]> {
    const same = change.same ?? ((a, b) => (a ?? null) === (b ?? null))
    const changed = change.fields.filter(
      (field) => !same(change.given[field], change.stored[field])
    )
    if (!changed.length) return changed
    if (tenant.projectIds !== null) {
      throw new GrantRefused('protectedNeedsTenantWide', change.attempt)
    }
    const unconfirmed = changed.filter((field) => !same(change.confirm[field], change.given[field]))
    if (unconfirmed.length) await reportNotRetyped(unconfirmed, change.messagesProvider)
    return changed
  }

  /** Refuses an actor limited to projects: the setting serves every project. */
  assertTenantWide(tenant: TenantContext, attempt: GrantAttempt) {
    if (tenant.projectIds !== null) throw new GrantRefused('tenantWideOnly', attempt)
  }
}

/**
 * Throws a validation error per field not typed again the same, named as the
 * forms send them (`confirm.<field>`), in the staff's language through the
 * caller's messages (rule `protectedConfirm`, the field's label).
 */
async function reportNotRetyped(
  fields: string[],
  messagesProvider: MessagesProviderContact | undefined
) {
  const schema = vine.object(
    Object.fromEntries(fields.map((field) => [field, vine.any().use(notRetyped())]))
  )
  try {
    await vine
      .create(schema)
      .validate(Object.fromEntries(fields.map((field) => [field, true])), { messagesProvider })
  } catch (error) {
    if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
    throw new errors.E_VALIDATION_ERROR(
      error.messages.map((message: { field: string }) => ({
        ...message,
        field: `confirm.${message.field}`,
      }))
    )
  }
}

const notRetyped = vine.createRule((_value, _options, field) => {
  field.report('Type the new {field} again, the same', 'protectedConfirm', field)
})
