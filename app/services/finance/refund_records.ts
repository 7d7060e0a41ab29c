import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import PaymentRefund, { type RefundCause, type RefundStatus } from '#models/payment_refund'
import AuditService from '#core/audit/audit_service'
import FinanceRefusal from '#services/finance/finance_refusal'
import {
  keysetPage,
  ridersByPhone,
  whereShanghaiDays,
  type Anchors,
} from '#services/finance/keyset'
import TenantContext from '#core/tenancy/tenant_context'
import type { RefundRecord } from '#services/finance/finance_rows'

/** 退款记录's filters; days are Shanghai calendar days (YYYY-MM-DD). */
export type RefundRecordFilters = Anchors & {
  refundNo?: string
  paymentNo?: string
  phone?: string
  status?: RefundStatus
  cause?: RefundCause
  /** Only the refunds owed to riders in cash (the banner's link). */
  awaitingCash?: boolean
  projectId?: number
  from?: string
  to?: string
}

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null)

/** Refunds owed to riders in cash: failed at the provider after their wallet was debited. */
function awaitingCash(query: { whereRaw(sql: string): unknown }, alias: string) {
  query.whereRaw(
    `${alias}.status = 'failed' AND ${alias}.ledger_entry_id IS NOT NULL AND ${alias}.settled_offline_at IS NULL`
  )
}

/**
 * 财务 → 退款记录: a tenant's refunds with their payment and rider, newest
 * first, keyset-paged; and 标记为线下已退 for a refund the provider refused
 * after the rider's wallet had been debited.
 */
@inject()
export default class RefundRecords {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** The refunds the filters pick, visible to this staff member (no order, no paging); the export reads it too. */
  filtered(filters: Omit<RefundRecordFilters, 'before' | 'after'>, trx: TransactionClientContract) {
    const tenantId = this.tenant.tenantId
    const query = trx.from('payment_refunds as f').where('f.tenant_id', tenantId)
    this.tenant.limitToProjects(query, 'f.project_id')
    if (filters.refundNo) query.where('f.refund_no', filters.refundNo)
    if (filters.paymentNo || filters.phone) {
      query.whereIn('f.payment_order_id', (orders) => {
        orders.from('payment_orders').where('tenant_id', tenantId).select('id')
        if (filters.paymentNo) orders.where('payment_no', filters.paymentNo)
        if (filters.phone) {
          orders.whereIn('rider_id', (riders) => ridersByPhone(riders, tenantId, filters.phone!))
        }
      })
    }
    if (filters.status) query.where('f.status', filters.status)
    if (filters.cause) query.where('f.cause', filters.cause)
    if (filters.awaitingCash) awaitingCash(query, 'f')
    if (filters.projectId) query.where('f.project_id', filters.projectId)
    whereShanghaiDays(query, 'f.created_at', filters)
    return query
  }

  page(filters: RefundRecordFilters) {
    const tenantId = this.tenant.tenantId
    return this.tenant.run(async (trx) => {
      const query = this.filtered(filters, trx)
      const paging = keysetPage(query, { table: 'payment_refunds', alias: 'f', tenantId }, filters)
      const found = await trx
        .query()
        .from(query.select('f.*').as('f'))
        .join('payment_orders as o', 'o.id', 'f.payment_order_id')
        .join('projects as p', 'p.id', 'f.project_id')
        .leftJoin('riders as r', 'r.id', 'o.rider_id')
        .leftJoin('staff as s', 's.id', 'f.settled_offline_by')
        .orderBy('f.created_at', paging.direction)
        .orderBy('f.id', paging.direction)
        .select(
          'f.*',
          'o.payment_no',
          'r.name as rider_name',
          'r.phone',
          'p.name as project_name',
          's.name as settled_offline_by_name'
        )
      return paging.finish(
        found.map((row): RefundRecord => ({
          id: Number(row.id),
          refundNo: row.refund_no,
          paymentNo: row.payment_no,
          riderName: row.rider_name,
          phone: row.phone,
          project: row.project_name,
          amount: row.amount,
          cause: row.cause,
          reason: row.reason,
          attempts: row.attempts,
          failure: row.failure,
          status: row.status,
          walletDebited: row.ledger_entry_id !== null,
          awaitingCash:
            row.status === 'failed' &&
            row.ledger_entry_id !== null &&
            row.settled_offline_at === null,
          settledOfflineAt: iso(row.settled_offline_at),
          settledOfflineBy: row.settled_offline_by_name,
          createdAt: iso(row.created_at)!,
          settledAt: iso(row.settled_at),
        }))
      )
    })
  }

  /** How many refunds the banner asks staff to pay back in cash. */
  awaitingCashCount() {
    return this.tenant.run(async (trx) => {
      const query = trx.from('payment_refunds as f').where('f.tenant_id', this.tenant.tenantId)
      this.tenant.limitToProjects(query, 'f.project_id')
      awaitingCash(query, 'f')
      const row = await query.count('* as total').first()
      return Number(row?.total ?? 0)
    })
  }

  /**
   * 标记为线下已退: staff paid a failed refund back in cash. Only a refund
   * the provider refused after the rider's wallet was debited, and once.
   * The ledger is not touched: the debit happened when the refund was made.
   */
  settleOffline(refundId: number) {
    return this.tenant.run(async (trx) => {
      const refund = await this.#find(refundId, trx)
      if (refund.status !== 'failed') throw new FinanceRefusal('refundNotFailed')
      if (refund.ledgerEntryId === null) throw new FinanceRefusal('refundNotDebited')
      if (refund.settledOfflineAt !== null) throw new FinanceRefusal('refundAlreadySettled')
      const before = { status: refund.status, settledOfflineAt: null, settledOfflineBy: null }
      const now = new Date()
      // Guarded in SQL as well: two clerks clicking at once settle it once.
      const updated = await trx
        .from('payment_refunds')
        .where('id', refund.id)
        .where('status', 'failed')
        .whereNotNull('ledger_entry_id')
        .whereNull('settled_offline_at')
        .update({
          settled_offline_at: now,
          settled_offline_by: this.tenant.staffId,
          updated_at: now,
        })
      if (Number(updated) === 0) throw new FinanceRefusal('refundAlreadySettled')
      await this.audit.recordInContext(
        this.tenant,
        {
          action: 'finance.refund_settled_offline',
          projectId: refund.projectId,
          target: { type: 'refund', id: refund.refundNo },
          before,
          after: {
            status: refund.status,
            amount: refund.amount,
            settledOfflineAt: now.toISOString(),
            settledOfflineBy: this.tenant.staffId,
          },
        },
        trx
      )
      return refund
    })
  }

  async #find(id: number, trx: TransactionClientContract) {
    return this.tenant
      .limitToProjects(this.tenant.query(PaymentRefund, trx), 'project_id')
      .where('id', id)
      .forUpdate()
      .firstOrFail()
  }
}

export type { RefundRecord }
