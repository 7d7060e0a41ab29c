import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type { BillRow } from '#sdk/contracts/payment'
import TenantPluginService from '#plugins/tenant_plugins'
import PaymentRefusal, { providerFailure } from '#services/finance/payment_refusal'
import TenantContext from '#core/tenancy/tenant_context'
import type { DifferenceKind } from '#services/finance/finance_props'

export type { DifferenceKind }

export interface Difference {
  kind: DifferenceKind
  rowKind: 'payment' | 'refund'
  paymentNo: string
  refundNo: string | null
  ourAmount: number | null
  theirAmount: number | null
}

interface Row {
  rowKind: 'payment' | 'refund'
  paymentNo: string
  refundNo: string | null
  amount: number
}

const key = (row: Row) => `${row.rowKind}:${row.refundNo ?? row.paymentNo}`

/** Matches one bill against our records: what is on one side only, or differs in amount. */
export function compareBill(ours: Row[], theirs: Row[]): Difference[] {
  const mine = new Map(ours.map((row) => [key(row), row]))
  const differences: Difference[] = []
  const seen = new Set<string>()
  for (const row of theirs) {
    const id = key(row)
    seen.add(id)
    const our = mine.get(id)
    if (!our) {
      differences.push({
        kind: 'missing_ours',
        ...describe(row),
        ourAmount: null,
        theirAmount: row.amount,
      })
    } else if (our.amount !== row.amount) {
      differences.push({
        kind: 'amount_mismatch',
        ...describe(row),
        ourAmount: our.amount,
        theirAmount: row.amount,
      })
    }
  }
  for (const row of ours) {
    if (!seen.has(key(row))) {
      differences.push({
        kind: 'missing_theirs',
        ...describe(row),
        ourAmount: row.amount,
        theirAmount: null,
      })
    }
  }
  return differences
}

function describe(row: Row) {
  return { rowKind: row.rowKind, paymentNo: row.paymentNo, refundNo: row.refundNo }
}

/**
 * 对账: downloads a provider's bill of one day and lists every difference
 * with what we recorded as paid (or refunded) that day, Asia/Shanghai.
 * A rerun of the same day replaces its result.
 */
export default class ReconciliationService {
  /**
   * A day's bills (yesterday, Asia/Shanghai, unless `date` names one) of
   * every enabled payment setting of every tenant: the `payments.reconcile` job.
   */
  async reconcileAll(date?: string) {
    const billDate = date ?? DateTime.now().setZone('Asia/Shanghai').minus({ days: 1 }).toISODate()!
    const settings = await db
      .connection('owner')
      .from('tenant_plugins')
      .where({ kind: 'payment', enabled: true })
      .select('id', 'tenant_id')
    for (const setting of settings) {
      await this.reconcile(TenantContext.forJob(setting.tenant_id), setting.id, billDate)
    }
    return { settings: settings.length, billDate }
  }

  async reconcile(tenant: TenantContext, settingId: number, billDate: string) {
    const registry = await app.container.make('plugins')
    const provider = await new TenantPluginService(registry).instanceOf(
      tenant,
      'payment',
      settingId
    )
    // Only this tenant's settings resolve (RLS): another tenant's id writes nothing.
    if (!provider) throw new PaymentRefusal('noProvider')
    let bill: BillRow[] | null = null
    let failure: string | null = null
    try {
      bill = await provider.downloadBill(billDate)
    } catch (error) {
      failure = providerFailure(error, { tenantId: tenant.tenantId, settingId, billDate })
    }

    const start = DateTime.fromISO(billDate, { zone: 'Asia/Shanghai' }).startOf('day')
    const range = [start.toJSDate(), start.plus({ days: 1 }).toJSDate()]
    return tenant.run(async (trx) => {
      const payments = await trx
        .from('payment_orders')
        .where({ tenant_id: tenant.tenantId, tenant_plugin_id: settingId })
        .where((scope) =>
          scope
            .where((paid) => paid.where('status', 'paid').whereBetween('paid_at', range as any))
            .orWhereBetween('late_paid_at', range as any)
        )
        .select('payment_no', 'amount')
      const refunds = await trx
        .from('payment_refunds as r')
        .join('payment_orders as o', 'o.id', 'r.payment_order_id')
        .where({
          'r.tenant_id': tenant.tenantId,
          'o.tenant_plugin_id': settingId,
          'r.status': 'succeeded',
        })
        .whereBetween('r.settled_at', range as any)
        .select('o.payment_no', 'r.refund_no', 'r.amount')
      const ours: Row[] = [
        ...payments.map((row) => ({
          rowKind: 'payment' as const,
          paymentNo: row.payment_no,
          refundNo: null,
          amount: row.amount,
        })),
        ...refunds.map((row) => ({
          rowKind: 'refund' as const,
          paymentNo: row.payment_no,
          refundNo: row.refund_no,
          amount: row.amount,
        })),
      ]
      const differences = bill
        ? compareBill(
            ours,
            bill.map((row) => ({
              rowKind: row.kind,
              paymentNo: row.outTradeNo,
              refundNo: row.kind === 'refund' ? row.outRefundNo : null,
              amount: row.amount,
            }))
          )
        : []

      const status = failure ? 'failed' : differences.length ? 'differences' : 'matched'
      const now = new Date()
      const setting = await trx.from('tenant_plugins').where('id', settingId).first()
      const [run] = await trx
        .insertQuery()
        .table('reconciliation_runs')
        .insert({
          tenant_id: tenant.tenantId,
          tenant_plugin_id: settingId,
          plugin_id: setting?.plugin_id ?? '',
          bill_date: billDate,
          status,
          bill_rows: bill?.length ?? 0,
          our_rows: ours.length,
          failure,
          created_at: now,
          updated_at: now,
        })
        .onConflict(['tenant_id', 'tenant_plugin_id', 'bill_date'])
        .merge(['status', 'bill_rows', 'our_rows', 'failure', 'updated_at'])
        .returning('id')
      await trx.from('reconciliation_differences').where('reconciliation_run_id', run.id).delete()
      if (differences.length) {
        await trx
          .insertQuery()
          .table('reconciliation_differences')
          .multiInsert(
            differences.map((difference) => ({
              tenant_id: tenant.tenantId,
              reconciliation_run_id: run.id,
              kind: difference.kind,
              row_kind: difference.rowKind,
              payment_no: difference.paymentNo,
              refund_no: difference.refundNo,
              our_amount: difference.ourAmount,
              their_amount: difference.theirAmount,
            }))
          )
      }
      return { runId: run.id as number, status, differences }
    })
  }
}
