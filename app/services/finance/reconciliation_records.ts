import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import FinanceRefusal from '#services/finance/finance_refusal'
import ReconciliationService from '#services/finance/reconciliation_service'
import TenantContext from '#core/tenancy/tenant_context'
import type {
  DifferenceRecord,
  Paged,
  ReconciliationChannel,
  ReconciliationRunRecord,
} from '#services/finance/finance_props'

export type { DifferenceRecord, ReconciliationChannel, ReconciliationRunRecord }

export const RUNS_PAGE_SIZE = 20
export const DIFFERENCES_PAGE_SIZE = 50

/** Today in Shanghai, the day bills are named by. */
export function shanghaiToday() {
  return DateTime.now().setZone('Asia/Shanghai').toISODate()!
}

/**
 * 财务 → 对账: the runs of ReconciliationService and their differences, and
 * 立即对账. Runs belong to payment settings (channels); staff limited to
 * projects see only their projects' own settings, since a tenant-wide
 * setting's bill lists every project's payments.
 */
@inject()
export default class ReconciliationRecords {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected reconciliation: ReconciliationService
  ) {}

  channels() {
    return this.tenant.run(async (trx) => {
      const rows = await this.#settings(trx)
        .leftJoin('projects as p', 'p.id', 's.project_id')
        .orderBy('s.id')
        .select('s.id', 's.plugin_id', 's.enabled', 'p.name as project_name')
      return rows.map((row): ReconciliationChannel => ({
        settingId: Number(row.id),
        pluginId: row.plugin_id,
        project: row.project_name,
        enabled: row.enabled,
      }))
    })
  }

  runs(page: number): Promise<Paged<ReconciliationRunRecord>> {
    return this.tenant.run(async (trx) => {
      const query = trx
        .from('reconciliation_runs as run')
        .where('run.tenant_id', this.tenant.tenantId)
        .whereIn('run.tenant_plugin_id', this.#settings(trx).select('s.id'))
      const counted = await query.clone().count('* as total').first()
      const total = Number(counted?.total ?? 0)
      const rows = await query
        .orderBy('run.bill_date', 'desc')
        .orderBy('run.id', 'desc')
        .offset((page - 1) * RUNS_PAGE_SIZE)
        .limit(RUNS_PAGE_SIZE)
        .select('run.*', billDay(trx))
      return {
        rows: rows.map(runRecord),
        ...pages(page, total, RUNS_PAGE_SIZE),
      }
    })
  }

  /** A run and its differences, paged; a 404 for a run this staff member may not see. */
  differences(
    runId: number,
    page: number
  ): Promise<Paged<DifferenceRecord> & { run: ReconciliationRunRecord }> {
    return this.tenant.run(async (trx) => {
      const run = await trx
        .from('reconciliation_runs as run')
        .where({ 'run.id': runId, 'run.tenant_id': this.tenant.tenantId })
        .whereIn('run.tenant_plugin_id', this.#settings(trx).select('s.id'))
        .select('run.*', billDay(trx))
        .firstOrFail()
      const query = trx
        .from('reconciliation_differences')
        .where({ tenant_id: this.tenant.tenantId, reconciliation_run_id: runId })
      const counted = await query.clone().count('* as total').first()
      const total = Number(counted?.total ?? 0)
      const rows = await query
        .orderBy('kind')
        .orderBy('id')
        .offset((page - 1) * DIFFERENCES_PAGE_SIZE)
        .limit(DIFFERENCES_PAGE_SIZE)
      return {
        rows: rows.map((row): DifferenceRecord => ({
          id: Number(row.id),
          kind: row.kind,
          paymentNo: row.payment_no,
          refundNo: row.refund_no,
          ourAmount: row.our_amount,
          theirAmount: row.their_amount,
        })),
        run: runRecord(run),
        ...pages(page, total, DIFFERENCES_PAGE_SIZE),
      }
    })
  }

  /**
   * 立即对账: reconciles one channel's bill of one day now, as the daily
   * job does, and records who asked for it.
   */
  async reconcile(settingId: number, billDate: string) {
    if (billDate > shanghaiToday()) throw new FinanceRefusal('billDateInFuture')
    const setting = await this.tenant.run((trx) =>
      this.#settings(trx).where('s.id', settingId).select('s.id', 's.plugin_id').first()
    )
    if (!setting) throw new FinanceRefusal('settingNotFound')
    const result = await this.reconciliation.reconcile(this.tenant, settingId, billDate)
    await this.tenant.run((trx) =>
      this.audit.recordInContext(
        this.tenant,
        {
          action: 'finance.reconcile',
          target: { type: 'reconciliation_run', id: result.runId },
          after: {
            settingId,
            pluginId: setting.plugin_id,
            billDate,
            status: result.status,
            differences: result.differences.length,
          },
        },
        trx
      )
    )
    return result
  }

  /** The tenant's payment settings this staff member may reconcile (alias `s`). */
  /** The differences of the runs this staff member may see, or of one of them (alias `d`); the export reads it. */
  differencesFiltered(runId: number | undefined, trx: TransactionClientContract) {
    const query = trx
      .from('reconciliation_differences as d')
      .where('d.tenant_id', this.tenant.tenantId)
      .whereIn(
        'd.reconciliation_run_id',
        trx
          .from('reconciliation_runs as run')
          .where('run.tenant_id', this.tenant.tenantId)
          .whereIn('run.tenant_plugin_id', this.#settings(trx).select('s.id'))
          .select('run.id')
      )
    if (runId) query.where('d.reconciliation_run_id', runId)
    return query
  }

  #settings(trx: TransactionClientContract) {
    const query = trx
      .from('tenant_plugins as s')
      .where('s.tenant_id', this.tenant.tenantId)
      .where('s.kind', 'payment')
    if (this.tenant.projectIds !== null) query.whereIn('s.project_id', this.tenant.projectIds)
    return query
  }
}

function billDay(trx: TransactionClientContract) {
  return trx.raw(`to_char(run.bill_date, 'YYYY-MM-DD') as bill_day`)
}

function runRecord(row: Record<string, any>): ReconciliationRunRecord {
  return {
    id: Number(row.id),
    billDate: row.bill_day,
    settingId: Number(row.tenant_plugin_id),
    pluginId: row.plugin_id,
    status: row.status,
    billRows: row.bill_rows,
    ourRows: row.our_rows,
    failure: row.failure,
    ranAt: new Date(row.updated_at).toISOString(),
  }
}

function pages(page: number, total: number, size: number) {
  return { page, total, lastPage: Math.max(1, Math.ceil(total / size)) }
}
