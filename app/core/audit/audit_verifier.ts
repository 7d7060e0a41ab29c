import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import {
  GENESIS_HASH,
  recordHash,
  type HashedContent,
  type JsonValue,
} from '#core/audit/audit_hash'

export interface ChainBreak {
  id: number
  tenantId: number | null
  chainSeq: number
  problem: string
}

export interface VerifyResult {
  records: number
  chains: number
  breaks: ChainBreak[]
}

const PAGE = 1000

function idOrNull(value: unknown) {
  return value === null ? null : Number(value)
}

/** The hashed content of a stored `audit_logs` row, as AuditService hashed it. */
export function hashedContentOf(row: Record<string, any>): HashedContent {
  return {
    tenantId: idOrNull(row.tenant_id),
    chainSeq: Number(row.chain_seq),
    staffId: idOrNull(row.staff_id),
    actorAccount: row.actor_account,
    actorName: row.actor_name,
    projectId: idOrNull(row.project_id),
    action: row.action,
    kind: row.kind,
    targetType: row.target_type,
    targetId: row.target_id,
    before: row.before as JsonValue,
    after: row.after as JsonValue,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    result: row.result,
    reason: row.reason,
    occurredAt: new Date(row.occurred_at).toISOString(),
    prevHash: row.prev_hash,
  }
}

/**
 * Walks every audit chain (the platform's, then each tenant's) through the
 * owner connection, a page of records at a time in chain order, and checks
 * each link: the sequence has no gap, the record points at the previous
 * record's hash, and its own hash matches its content. A chain stops at its
 * first broken record; the others are still walked.
 */
export default class AuditVerifier {
  constructor(protected client: QueryClientContract = db.connection('owner')) {}

  async verifyAll(): Promise<VerifyResult> {
    const result: VerifyResult = { records: 0, chains: 0, breaks: [] }
    for await (const tenantId of this.#chains()) {
      const chain = await this.verifyChain(tenantId)
      result.records += chain.records
      if (chain.records > 0) result.chains += 1
      if (chain.broken) result.breaks.push(chain.broken)
    }
    return result
  }

  /** The platform chain (null), then every tenant, in keyset pages. */
  async *#chains(): AsyncGenerator<number | null> {
    yield null
    let after = 0
    while (true) {
      const rows = await this.client
        .from('tenants')
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .select('id')
      for (const row of rows) yield Number(row.id)
      if (rows.length < PAGE) return
      after = Number(rows[rows.length - 1].id)
    }
  }

  async verifyChain(
    tenantId: number | null
  ): Promise<{ records: number; broken: ChainBreak | null }> {
    let records = 0
    let expectedSeq = 1
    let prevHash = GENESIS_HASH
    while (true) {
      const rows = await this.client
        .from('audit_logs')
        .if(
          tenantId === null,
          (query) => query.whereNull('tenant_id'),
          (query) => query.where('tenant_id', tenantId!)
        )
        .where('chain_seq', '>=', expectedSeq)
        .orderBy('chain_seq')
        .limit(PAGE)
      for (const row of rows) {
        const problem = this.#check(row, expectedSeq, prevHash)
        if (problem) {
          return {
            records,
            broken: { id: Number(row.id), tenantId, chainSeq: Number(row.chain_seq), problem },
          }
        }
        records += 1
        expectedSeq += 1
        prevHash = row.hash
      }
      if (rows.length < PAGE) return { records, broken: null }
    }
  }

  #check(row: Record<string, any>, expectedSeq: number, prevHash: string): string | null {
    const chainSeq = Number(row.chain_seq)
    if (chainSeq !== expectedSeq) {
      return `sequence ${chainSeq} where ${expectedSeq} was expected (records missing)`
    }
    if (row.prev_hash !== prevHash) {
      return 'prev_hash does not match the hash of the record before it'
    }
    const hash = recordHash(hashedContentOf(row))
    return hash === row.hash ? null : 'hash does not match the record content'
  }
}
