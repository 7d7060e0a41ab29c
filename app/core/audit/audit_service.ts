import db from '@adonisjs/lucid/services/db'
import type { HttpContext } from '@adonisjs/core/http'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { AuditKind, AuditResult } from '#models/audit_log'
import { GENESIS_HASH, maskSecrets, recordHash, type HashedContent } from '#core/audit/audit_hash'

export interface AuditActor {
  staffId: number | null
  account: string | null
  name: string | null
}

/** Where a request came from: IP, user agent and the request id of the logs. */
export interface AuditRequestDetails {
  ip: string | null
  userAgent: string | null
  requestId: string | null
}

/** The work a record belongs to: its tenant, and who acts from where (a TenantContext is one). */
export interface AuditedWork {
  tenantId: number
  origin: { actor: AuditActor | null; request: AuditRequestDetails | null }
}

export interface AuditEntry {
  /** The chain the record joins: a tenant, or null for the platform chain. */
  tenantId: number | null
  /** `area.verb`, e.g. `auth.login`, `riders.freeze`. */
  action: string
  kind?: AuditKind
  actor?: AuditActor | null
  projectId?: number | null
  target?: { type: string; id: string | number } | null
  /** State before and after the change; secrets are masked before storing. */
  before?: unknown
  after?: unknown
  request?: AuditRequestDetails | null
  result?: AuditResult
  /** Why it failed (an i18n key such as `invalidCredentials`), or a note. */
  reason?: string | null
}

/** The row of a project a change is recorded against (a plan, a package, a coupon batch …). */
export interface AuditedRow {
  id: string | number
  projectId: number | null
}

export interface AuditRecordRef {
  id: number
  chainSeq: number
  hash: string
}

/** What a request tells about itself, for its audit records. */
export function requestDetails(ctx: HttpContext): AuditRequestDetails {
  return {
    ip: ctx.request.ip(),
    userAgent: ctx.request.header('user-agent') ?? null,
    requestId: ctx.request.id() ?? null,
  }
}

/** The signed-in staff member of a request, as an audit actor. */
export function actorOf(ctx: HttpContext): AuditActor | null {
  const staff = ctx.auth?.user
  return staff ? { staffId: staff.id, account: staff.account, name: staff.name } : null
}

// Ids may arrive as text (BIGINT) or numbers: the hash must see one form.
function id(value: number | string | null | undefined) {
  return value === null || value === undefined ? null : Number(value)
}

function clip(value: string | null | undefined, length: number) {
  return value === null || value === undefined ? null : value.slice(0, length)
}

/**
 * Appends audit records to their chain. Each chain (a tenant's, or the
 * platform's) is a sequence 1, 2, 3... where every record's hash covers its
 * content and the previous record's hash, so changing, removing or
 * reordering a record breaks every link after it.
 */
export default class AuditService {
  /**
   * Appends `entry` inside the caller's transaction, so the record commits
   * (or not) with the change it describes. Appends to one chain are
   * serialised by a transaction-scoped advisory lock held until the caller
   * commits: keep the audited transaction short, and record last in it.
   *
   * Tenant chains are written on the `app` connection inside
   * `TenantContext.run`; the platform chain (tenantId null) only through
   * the owner connection (see `recordPlatform`), as no tenant may see it.
   */
  async record(entry: AuditEntry, trx: TransactionClientContract): Promise<AuditRecordRef> {
    const chain = entry.tenantId === null ? 'platform' : `tenant:${entry.tenantId}`
    await trx.rawQuery(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, [
      `audit_logs:${chain}`,
    ])

    const last = await trx
      .from('audit_logs')
      .if(
        entry.tenantId === null,
        (query) => query.whereNull('tenant_id'),
        (query) => query.where('tenant_id', entry.tenantId!)
      )
      .orderBy('chain_seq', 'desc')
      .select('chain_seq', 'hash')
      .first()

    const content: HashedContent = {
      tenantId: id(entry.tenantId),
      chainSeq: last ? Number(last.chain_seq) + 1 : 1,
      staffId: id(entry.actor?.staffId),
      actorAccount: clip(entry.actor?.account, 64),
      actorName: clip(entry.actor?.name, 64),
      projectId: id(entry.projectId),
      action: entry.action,
      kind: entry.kind ?? 'operation',
      targetType: clip(entry.target?.type, 64),
      targetId: clip(entry.target ? String(entry.target.id) : null, 64),
      before: maskSecrets(entry.before),
      after: maskSecrets(entry.after),
      ip: clip(entry.request?.ip, 64),
      userAgent: clip(entry.request?.userAgent, 1000),
      requestId: clip(entry.request?.requestId, 64),
      result: entry.result ?? 'success',
      reason: clip(entry.reason, 128),
      // Taken under the lock, so time order follows chain order.
      occurredAt: new Date().toISOString(),
      prevHash: last ? String(last.hash) : GENESIS_HASH,
    }
    const hash = recordHash(content)

    const [row] = await trx
      .insertQuery()
      .table('audit_logs')
      .insert({
        tenant_id: content.tenantId,
        chain_seq: content.chainSeq,
        staff_id: content.staffId,
        actor_account: content.actorAccount,
        actor_name: content.actorName,
        project_id: content.projectId,
        action: content.action,
        kind: content.kind,
        target_type: content.targetType,
        target_id: content.targetId,
        // Serialised here: the driver would turn a top-level array into a PostgreSQL array.
        before: content.before === null ? null : JSON.stringify(content.before),
        after: content.after === null ? null : JSON.stringify(content.after),
        ip: content.ip,
        user_agent: content.userAgent,
        request_id: content.requestId,
        result: content.result,
        reason: content.reason,
        occurred_at: content.occurredAt,
        prev_hash: content.prevHash,
        hash,
      })
      .returning('id')
    return { id: Number(row.id), chainSeq: content.chainSeq, hash }
  }

  /** Appends to the platform chain (events before any tenant is known). */
  async recordPlatform(entry: Omit<AuditEntry, 'tenantId'>): Promise<AuditRecordRef> {
    return db
      .connection('owner')
      .transaction((trx) => this.record({ ...entry, tenantId: null }, trx))
  }

  /**
   * Appends a record of work done in a tenant context (its actor and
   * request travel with it), inside that work's transaction.
   */
  async recordInContext(
    tenant: AuditedWork,
    entry: Omit<AuditEntry, 'tenantId' | 'actor' | 'request'>,
    trx: TransactionClientContract
  ): Promise<AuditRecordRef> {
    return this.record(
      {
        ...entry,
        tenantId: tenant.tenantId,
        actor: tenant.origin.actor,
        request: tenant.origin.request,
      },
      trx
    )
  }

  /** A change to one row of a project, named by its type and id, in the work's transaction. */
  recordRowChange(
    tenant: AuditedWork,
    trx: TransactionClientContract,
    change: { action: string; type: string; row: AuditedRow; before: unknown; after: unknown }
  ): Promise<AuditRecordRef> {
    const { action, type, row, before, after } = change
    const target = { type, id: row.id }
    return this.recordInContext(
      tenant,
      { action, projectId: row.projectId, target, before, after },
      trx
    )
  }
}
