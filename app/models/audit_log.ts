import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { JsonValue } from '#core/audit/audit_hash'

export type AuditKind = 'login' | 'operation'
export type AuditResult = 'success' | 'failure'

/**
 * One audit record. Read-only for the app: records are appended by
 * AuditService (which keeps the hash chain), never saved through this model.
 */
export default class AuditLog extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare tenantId: number | null

  @column()
  declare chainSeq: number

  @column()
  declare staffId: number | null

  @column()
  declare actorAccount: string | null

  @column()
  declare actorName: string | null

  @column()
  declare projectId: number | null

  @column()
  declare action: string

  @column()
  declare kind: AuditKind

  @column()
  declare targetType: string | null

  @column()
  declare targetId: string | null

  @column()
  declare before: JsonValue

  @column()
  declare after: JsonValue

  @column()
  declare ip: string | null

  @column()
  declare userAgent: string | null

  @column()
  declare requestId: string | null

  @column()
  declare result: AuditResult

  @column()
  declare reason: string | null

  @column.dateTime()
  declare occurredAt: DateTime

  @column()
  declare prevHash: string

  @column()
  declare hash: string
}
