import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { PaymentPurpose, PaymentStatus } from '#models/payment_order'
import {
  keysetPage,
  ridersByPhone,
  whereShanghaiDays,
  type Anchors,
} from '#services/finance/keyset'
import TenantContext from '#core/tenancy/tenant_context'
import type { PaymentRecord } from '#services/finance/finance_rows'

/** 收款记录's filters; days are Shanghai calendar days (YYYY-MM-DD). 待支付 (pending) covers created too. */
export type PaymentRecordFilters = Anchors & {
  paymentNo?: string
  phone?: string
  projectId?: number
  purpose?: PaymentPurpose
  status?: Exclude<PaymentStatus, 'created'>
  pluginId?: string
  from?: string
  to?: string
}

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null)

/**
 * 财务 → 收款记录: a tenant's QR payment orders, newest first, filtered and
 * keyset-paged in SQL (indexes: migration 0085). Staff limited to projects
 * see only those projects' payments.
 */
@inject()
export default class PaymentRecords {
  constructor(protected tenant: TenantContext) {}

  /** The channels (payment plugins) the tenant has set up, for the filter. */
  pluginIds() {
    return this.tenant.run(async (trx) => {
      const rows = await trx
        .from('tenant_plugins')
        .where({ tenant_id: this.tenant.tenantId, kind: 'payment' })
        .distinct('plugin_id')
        .orderBy('plugin_id')
      return rows.map((row) => row.plugin_id as string)
    })
  }

  /** The payments the filters pick, visible to this staff member (no order, no paging); the export reads it too. */
  filtered(
    filters: Omit<PaymentRecordFilters, 'before' | 'after'>,
    trx: TransactionClientContract
  ) {
    const tenantId = this.tenant.tenantId
    const query = trx.from('payment_orders as o').where('o.tenant_id', tenantId)
    this.tenant.limitToProjects(query, 'o.project_id')
    if (filters.paymentNo) query.where('o.payment_no', filters.paymentNo)
    // A phone picks riders first, so payments are read by rider through their index.
    if (filters.phone) {
      query.whereIn('o.rider_id', (riders) => ridersByPhone(riders, tenantId, filters.phone!))
    }
    if (filters.projectId) query.where('o.project_id', filters.projectId)
    if (filters.purpose) query.where('o.purpose', filters.purpose)
    if (filters.status === 'pending') query.whereIn('o.status', ['created', 'pending'])
    else if (filters.status) query.where('o.status', filters.status)
    if (filters.pluginId) query.where('o.plugin_id', filters.pluginId)
    whereShanghaiDays(query, 'o.created_at', filters)
    return query
  }

  page(filters: PaymentRecordFilters) {
    const tenantId = this.tenant.tenantId
    return this.tenant.run(async (trx) => {
      const query = this.filtered(filters, trx)
      const paging = keysetPage(query, { table: 'payment_orders', alias: 'o', tenantId }, filters)
      // The page is picked from payment_orders alone, in index order; only
      // its rows are joined to names.
      const found = await trx
        .query()
        .from(query.select('o.*').as('o'))
        .leftJoin('riders as r', 'r.id', 'o.rider_id')
        .join('projects as p', 'p.id', 'o.project_id')
        .orderBy('o.created_at', paging.direction)
        .orderBy('o.id', paging.direction)
        .select('o.*', 'r.name as rider_name', 'r.phone', 'p.name as project_name')
      return paging.finish(
        found.map((row): PaymentRecord => ({
          id: Number(row.id),
          paymentNo: row.payment_no,
          riderName: row.rider_name,
          phone: row.phone,
          project: row.project_name,
          purpose: row.purpose,
          amount: row.amount,
          bonusAmount: row.bonus_amount,
          pluginId: row.plugin_id,
          status: row.status,
          latePaid: row.late_paid_at !== null,
          refundedAmount: row.refunded_amount,
          createdAt: iso(row.created_at)!,
          paidAt: iso(row.paid_at ?? row.late_paid_at),
        }))
      )
    })
  }
}

export type { PaymentRecord }
