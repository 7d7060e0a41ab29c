import type { JsonValue } from '#core/audit/json_value'

/*
 * 操作日志 and 登录日志 rows, as the pages receive them: the service returns
 * them and the pages import them (types only), so their shape is written once.
 */
export type AuditLogRow = {
  id: number
  occurredAt: string
  staffId: number | null
  actorAccount: string | null
  actorName: string | null
  project: string | null
  action: string
  targetType: string | null
  targetId: string | null
  before: JsonValue
  after: JsonValue
  ip: string | null
  userAgent: string | null
  requestId: string | null
  result: string
  reason: string | null
}
