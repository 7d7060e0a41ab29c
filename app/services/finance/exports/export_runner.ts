import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import logger from '@adonisjs/core/services/logger'
import drive from '@adonisjs/drive/services/main'
import i18nManager from '@adonisjs/i18n/services/main'
import { DateTime } from 'luxon'
import TenantContext from '#core/tenancy/tenant_context'
import { writerFor } from './report_file.js'
import { buildReport, isReportKind } from './report_kinds.js'

/** Finished files stay downloadable this long. */
const KEEP_DAYS = 7

/**
 * Makes the file of one export (the `exports.run` job): reads the list for
 * the requester's scope, writes it to a temporary file, stores it through
 * drive, and records progress, the result or why it failed.
 */
export async function runExport(tenantId: number, exportId: number) {
  const system = TenantContext.forJob(tenantId)
  const row = await system.run((trx) =>
    trx
      .from('exports as x')
      .leftJoin('staff as s', 's.id', 'x.requested_by')
      .where({ 'x.id': exportId, 'x.tenant_id': tenantId })
      .select('x.*', 's.name as staff_name')
      .first()
  )
  if (!row || row.status === 'done' || row.status === 'expired') return { skipped: true }
  const update = (changes: Record<string, unknown>) =>
    system.run((trx) =>
      trx
        .from('exports')
        .where({ id: exportId, tenant_id: tenantId })
        .update({ ...changes, updated_at: new Date() })
    )
  await update({ status: 'running', started_at: new Date(), rows_done: 0, error: null })

  const folder = await mkdtemp(join(tmpdir(), 'pilehub-export-'))
  try {
    // The job reads as the requester could: their tenant and project limits.
    const scoped = new TenantContext(tenantId, row.requested_by, row.project_scope ?? null)
    if (!isReportKind(row.kind)) throw new Error(`unknown report kind ${row.kind}`)
    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    const table = await buildReport(
      row.kind,
      // A scheduled statement has no requester: the system made it.
      { tenant: scoped, requestedBy: row.staff_name ?? i18n.t('exports.system'), i18n },
      row.filters
    )
    await update({ rows_total: table.rowsTotal })
    const file = join(folder, `export.${row.format}`)
    await writerFor(row.format)(table, file, async (rowsDone) => {
      await update({ rows_done: rowsDone })
    })

    const key = `${tenantId}/${exportId}-${Date.now()}.${row.format}`
    await drive.use().putStream(key, createReadStream(file))
    const { size } = await stat(file)
    await update({
      status: 'done',
      file_path: key,
      file_size: size,
      finished_at: new Date(),
      expires_at: DateTime.utc().plus({ days: KEEP_DAYS }).toJSDate(),
    })
    return { rows: table.rowsTotal, size }
  } catch (error) {
    logger.error({ err: error, exportId, tenantId }, 'export failed')
    await update({ status: 'failed', error: (error as Error).message, finished_at: new Date() })
    return { failed: true }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
