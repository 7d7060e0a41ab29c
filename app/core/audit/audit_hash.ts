import { createHash } from 'node:crypto'
import type { JsonValue } from '#core/audit/json_value'

/*
| The pure part of the audit chain: canonical JSON, the row hash, and the
| masking of secrets. `audit:verify` recomputes hashes with the same code.
*/

export type { JsonValue }

/** The hash a chain's first record points back to. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * JSON with object keys sorted at every depth and no whitespace, so the same
 * content always gives the same text (jsonb does not keep key order).
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`
}

/** What a record's hash covers: every column but id and the hash itself. */
export interface HashedContent {
  tenantId: number | null
  chainSeq: number
  staffId: number | null
  actorAccount: string | null
  actorName: string | null
  projectId: number | null
  action: string
  kind: string
  targetType: string | null
  targetId: string | null
  before: JsonValue
  after: JsonValue
  ip: string | null
  userAgent: string | null
  requestId: string | null
  result: string
  reason: string | null
  /** ISO 8601 in UTC, millisecond precision. */
  occurredAt: string
  prevHash: string
}

export function recordHash(content: HashedContent): string {
  return createHash('sha256')
    .update(canonicalJson(content as unknown as JsonValue))
    .digest('hex')
}

// Words of a key name that mark its value as a secret (camelCase and snake_case split).
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'key',
  'captcha',
  'credential',
  'credentials',
])

export const MASK = '***'

function isSecretKey(key: string) {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((word) => SECRET_WORDS.has(word))
}

/**
 * A plain-JSON copy of `value` with the values of secret-looking keys
 * replaced by `***`, at any depth. Dates and DateTimes become their JSON
 * text, undefined entries disappear, as JSON.stringify would do.
 */
export function maskSecrets(value: unknown): JsonValue {
  if (value === undefined) return null
  return mask(JSON.parse(JSON.stringify(value)) as JsonValue)
}

function mask(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(mask)
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      entry !== null && isSecretKey(key) ? MASK : mask(entry),
    ])
  )
}
