import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import AuditService from '#core/audit/audit_service'
import H5Refusal from '#services/h5/h5_refusal'
import RiderRefundService from '#services/finance/rider_refund_service'
import TenantContext from '#core/tenancy/tenant_context'
import type { RefundRequestRow } from '#services/finance/finance_props'

export type { RefundRequestRow }

const iso = (value: Date | null) => (value ? DateTime.fromJSDate(value).toUTC().toISO()! : null)

/**
 * 财务 → 退款申请: riders' refund requests from the H5. Approving one runs
 * the same refund as 退款 from the rider list (RiderRefundService, keyed by
 * the request so a double click refunds once); rejecting records why.
 */
type RefundRequestStatus = 'pending' | 'approved' | 'rejected'

/** The rider, project, deciding staff member and the rider's real balance beside each request (alias `q`). */
export function refundRequestNames(
  requests: DatabaseQueryBuilderContract,
  trx: TransactionClientContract
) {
  return requests
    .join('riders as r', 'r.id', 'q.rider_id')
    .join('projects as p', 'p.id', 'q.project_id')
    .leftJoin('wallets as w', 'w.rider_id', 'q.rider_id')
    .leftJoin('staff as s', 's.id', 'q.decided_by_staff_id')
    .select(
      'q.*',
      'r.name as rider_name',
      'r.phone as rider_phone',
      'p.name as project_name',
      's.name as staff_name',
      trx.raw('COALESCE(w.real_balance, 0) AS real_balance')
    )
}

@inject()
export default class RefundRequestService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** The requests of one status, or all (alias `q`; no order, no names); the export reads it too. */
  filtered(status: RefundRequestStatus | null | undefined, trx: TransactionClientContract) {
    const query = trx.from('rider_refund_requests as q').where('q.tenant_id', this.tenant.tenantId)
    this.tenant.limitToProjects(query, 'q.project_id')
    if (status) query.where('q.status', status)
    return query
  }

  list(status: RefundRequestStatus | null) {
    return this.tenant.run(async (trx) => {
      const rows = await refundRequestNames(this.filtered(status, trx), trx)
        .orderBy('q.created_at', 'desc')
        .orderBy('q.id', 'desc')
        .limit(100)
      return rows.map((row): RefundRequestRow => ({
        id: row.id,
        riderId: row.rider_id,
        riderName: row.rider_name,
        riderPhone: row.rider_phone,
        projectName: row.project_name,
        amount: row.amount,
        realBalance: Number(row.real_balance),
        reason: row.reason,
        status: row.status,
        decisionNote: row.decision_note,
        decidedBy: row.staff_name,
        createdAt: iso(row.created_at)!,
        decidedAt: iso(row.decided_at),
      }))
    })
  }

  /** Refunds the requested real money (原路退回 or cash), then marks the request approved. */
  async approve(id: number, channel: 'original' | 'cash', note: string | null) {
    const request = await this.#pending(id)
    await new RiderRefundService().refund(this.tenant, {
      riderId: request.rider_id,
      projectId: request.project_id,
      amount: request.amount,
      reason: request.reason,
      channel,
      idempotencyKey: `request:${request.id}`,
    })
    await this.#decide(request, 'approved', note, { channel })
  }

  async reject(id: number, note: string) {
    await this.#decide(await this.#pending(id), 'rejected', note, {})
  }

  async #pending(id: number) {
    const request = await this.tenant.run((trx) => {
      const query = trx.from('rider_refund_requests').where({ tenant_id: this.tenant.tenantId, id })
      // Another tenant's or project's request: a 404, like any object out of reach.
      return this.tenant.limitToProjects(query).firstOrFail()
    })
    if (request.status !== 'pending') throw new H5Refusal('requestNotPending')
    return request as {
      id: number
      rider_id: number
      project_id: number
      amount: number
      reason: string
    }
  }

  #decide(
    request: { id: number; project_id: number },
    status: 'approved' | 'rejected',
    note: string | null,
    extra: Record<string, unknown>
  ) {
    return this.tenant.run(async (trx) => {
      const updated = await trx
        .from('rider_refund_requests')
        .where({ id: request.id, status: 'pending' })
        .update({
          status,
          decision_note: note,
          decided_by_staff_id: this.tenant.staffId,
          decided_at: new Date(),
          updated_at: new Date(),
        })
        .returning('id')
      // Someone else decided first (for an approval, the refund key kept it to one posting).
      if (updated.length === 0) throw new H5Refusal('requestNotPending')
      await this.audit.recordInContext(
        this.tenant,
        {
          action: status === 'approved' ? 'refund_requests.approve' : 'refund_requests.reject',
          projectId: request.project_id,
          target: { type: 'rider_refund_request', id: request.id },
          before: { status: 'pending' },
          after: { status, note, ...extra },
        },
        trx
      )
    })
  }
}
