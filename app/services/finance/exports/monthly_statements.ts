import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import TenantContext from '#core/tenancy/tenant_context'
import { dispatchExport } from './export_queue.js'
import type { ExportFormat } from './export_service.js'

const ZONE = 'Asia/Shanghai'
const FORMATS: ExportFormat[] = ['xlsx', 'pdf']

/** The Shanghai calendar month before `day` (a statement made on the 1st covers it). */
export function previousMonth(day: DateTime) {
  const start = day.setZone(ZONE).minus({ months: 1 }).startOf('month')
  return {
    month: start.toFormat('yyyy-MM'),
    from: start.toISODate()!,
    to: start.endOf('month').toISODate()!,
  }
}

/**
 * 月度对账单: for every active project of every active tenant, the previous
 * month's `monthly` report as xlsx and pdf, listed in 下载中心 as 系统生成
 * (no requester, scheduled). Each statement has a schedule key unique per
 * tenant, so running twice (a retry, two workers) makes one statement per
 * project, month and format; only the newly recorded ones are queued.
 */
export async function createMonthlyStatements(day: DateTime = DateTime.now()) {
  const period = previousMonth(day)
  const projects = await db
    .connection('owner')
    .from('projects as p')
    .join('tenants as t', 't.id', 'p.tenant_id')
    .where('t.status', 'active')
    .where('p.status', 'active')
    .orderBy('p.id')
    .select('p.id', 'p.tenant_id')
  let created = 0
  for (const project of projects) {
    const ids = await TenantContext.forJob(project.tenant_id).run(async (trx) => {
      const now = new Date()
      const rows = await trx
        .insertQuery()
        .table('exports')
        .insert(
          FORMATS.map((format) => ({
            tenant_id: project.tenant_id,
            requested_by: null,
            scheduled: true,
            schedule_key: `monthly:${period.month}:${project.id}:${format}`,
            kind: 'monthly',
            format,
            filters: JSON.stringify({ from: period.from, to: period.to, projectId: project.id }),
            project_scope: null,
            created_at: now,
            updated_at: now,
          }))
        )
        .onConflict(['tenant_id', 'schedule_key'])
        .ignore()
        .returning('id')
      return rows.map((row: { id: number }) => Number(row.id))
    })
    for (const exportId of ids) {
      await dispatchExport(project.tenant_id, exportId)
    }
    created += ids.length
  }
  return { month: period.month, projects: projects.length, created }
}
