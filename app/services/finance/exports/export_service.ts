import { inject } from '@adonisjs/core'
import drive from '@adonisjs/drive/services/main'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import { dispatchExport } from './export_queue.js'
import ExportRefusal from './export_refusal.js'
import { exportableKinds, type ReportFiltersOf, type ReportKind } from './report_kinds.js'
import type { ExportFormat, ExportRecord, ExportStatus } from '#services/finance/finance_props'

export type { ExportFormat, ExportRecord, ExportStatus }

function record(row: any): ExportRecord {
  const expiresAt = row.expires_at ? new Date(row.expires_at) : null
  return {
    id: Number(row.id),
    kind: row.kind,
    format: row.format,
    status: row.status,
    rowsDone: row.rows_done,
    rowsTotal: row.rows_total,
    fileSize: row.file_size,
    error: row.error,
    requestedBy: row.staff_name,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: expiresAt?.toISOString() ?? null,
    expired: row.status === 'expired' || (expiresAt !== null && expiresAt < new Date()),
  }
}

/**
 * 下载中心: exports of lists to xlsx or pdf, made by the `exports.run` job.
 * Staff see only exports of the lists they may export (each kind's own
 * permission). Staff limited to projects see (and download) the exports
 * they asked for, which hold only their projects, and the system's monthly
 * statements of those projects; other staff see the tenant's exports of
 * those kinds. Another tenant's export is a 404 (row-level security).
 */
@inject()
export default class ExportService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /**
   * Records an export of `kind` with its validated filters (see
   * report_kinds.ts reportFilters) and queues its file. Staff limited to
   * projects may name only theirs; the file holds only their projects.
   */
  async startReport<Kind extends ReportKind>(
    kind: Kind,
    format: ExportFormat,
    filters: ReportFiltersOf[Kind]
  ) {
    const projectId = (filters as { projectId?: number }).projectId
    if (projectId && !this.tenant.canSeeProject(projectId)) {
      throw new ExportRefusal('projectNotAllowed')
    }
    const id = await this.tenant.run(async (trx) => {
      const now = new Date()
      const [row] = await trx
        .insertQuery()
        .table('exports')
        .insert({
          tenant_id: this.tenant.tenantId,
          requested_by: this.tenant.staffId,
          kind,
          format,
          filters: JSON.stringify(filters),
          project_scope: this.tenant.projectIds ? JSON.stringify(this.tenant.projectIds) : null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
      await this.audit.recordInContext(
        this.tenant,
        {
          action: 'exports.create',
          projectId: projectId ?? null,
          target: { type: 'export', id: row.id },
          after: { kind, format, filters },
        },
        trx
      )
      return Number(row.id)
    })
    await dispatchExport(this.tenant.tenantId, id)
    return id
  }

  list(): Promise<ExportRecord[]> {
    return this.tenant.run(async (trx) => {
      const rows = await this.#visible(trx)
        .orderBy('x.created_at', 'desc')
        .orderBy('x.id', 'desc')
        .limit(100)
      return rows.map(record)
    })
  }

  /** One export this staff member may see; a 404 otherwise. */
  find(id: number): Promise<ExportRecord> {
    return this.tenant.run(async (trx) =>
      record(await this.#visible(trx).where('x.id', id).firstOrFail())
    )
  }

  async retry(id: number) {
    await this.tenant.run(async (trx) => {
      // Only the export row: the staff side of the outer join cannot be locked.
      const row = await this.#visible(trx).where('x.id', id).forUpdate('x').firstOrFail()
      if (row.status !== 'failed') throw new ExportRefusal('notFailed')
      await trx.from('exports').where('id', id).update({
        status: 'queued',
        rows_done: 0,
        rows_total: null,
        error: null,
        updated_at: new Date(),
      })
      await this.audit.recordInContext(
        this.tenant,
        {
          action: 'exports.retry',
          target: { type: 'export', id },
          before: { status: row.status, error: row.error },
          after: { status: 'queued' },
        },
        trx
      )
    })
    await dispatchExport(this.tenant.tenantId, id)
  }

  /** The stored file of a finished, unexpired export, with a download name. */
  async file(id: number) {
    const found = await this.find(id)
    if (found.expired) throw new ExportRefusal('expired')
    if (found.status !== 'done') throw new ExportRefusal('notReady')
    const path = await this.tenant.run(async (trx) => {
      const row = await trx.from('exports').where('id', id).select('file_path').firstOrFail()
      return row.file_path as string
    })
    const day = DateTime.fromISO(found.createdAt).setZone('Asia/Shanghai').toFormat('yyyyLLdd')
    return {
      stream: await drive.use().getStream(path),
      name: `${found.kind}-${day}-${found.id}.${found.format}`,
      format: found.format,
      size: found.fileSize,
    }
  }

  #visible(trx: TransactionClientContract) {
    const query = trx
      .from('exports as x')
      .leftJoin('staff as s', 's.id', 'x.requested_by')
      .where('x.tenant_id', this.tenant.tenantId)
      .whereIn(
        'x.kind',
        exportableKinds((permission) => this.tenant.can(permission))
      )
      .select('x.*', 's.name as staff_name')
    // 业主对账单 name one owner: without finance.export (an owner account), only one's own.
    if (!this.tenant.can('finance.export')) {
      query.where((own) =>
        own.whereNot('x.kind', 'owner_statement').orWhere('x.requested_by', this.tenant.staffId!)
      )
    }
    const projectIds = this.tenant.projectIds
    if (projectIds !== null) {
      query.where((visible) => {
        visible.where('x.requested_by', this.tenant.staffId!)
        // The system's monthly statements of their own projects (each names one project).
        if (projectIds.length > 0) {
          visible.orWhere((statement) =>
            statement
              .where('x.scheduled', true)
              .whereNull('x.requested_by')
              .whereRaw(`(x.filters->>'projectId')::bigint = ANY(?::bigint[])`, [
                `{${projectIds.join(',')}}`,
              ])
          )
        }
      })
    }
    return query
  }
}
