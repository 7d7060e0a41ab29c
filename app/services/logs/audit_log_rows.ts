import type { JsonValue } from '#core/audit/json_value'
import type { Pagination } from '#services/page_props'

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

/** 操作日志 and 登录日志. */
export type AuditLogPageProps = {
  rows: AuditLogRow[]
  /** The actions recorded of this kind, for the filter. */
  actions: string[]
  pagination: Pagination
  filters: {
    from: string | null
    to: string | null
    action: string | null
    account: string | null
    result: string | null
  }
}
