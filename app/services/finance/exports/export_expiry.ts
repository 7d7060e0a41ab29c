import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import drive from '@adonisjs/drive/services/main'
import TenantContext from '#core/tenancy/tenant_context'

/**
 * Deletes the files of finished exports whose keeping time is over and marks
 * them `expired` (下载中心 then shows 已过期 and a download is refused
 * politely). The file goes first: a run interrupted in between finds the row
 * still `done` and deletes again (a missing file is no error), so no file
 * outlives its row.
 */
export async function expireExports(now = new Date(), limit = 1000) {
  const due = await db
    .connection('owner')
    .from('exports')
    .where('status', 'done')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .select('id', 'tenant_id', 'file_path')
  let failures = 0
  for (const row of due) {
    try {
      if (row.file_path) await drive.use().delete(row.file_path)
      await TenantContext.forJob(row.tenant_id).run((trx) =>
        trx
          .from('exports')
          .where({ id: row.id, tenant_id: row.tenant_id, status: 'done' })
          .update({ status: 'expired', file_path: null, updated_at: now })
      )
    } catch (error) {
      // One broken file must not keep the others: retried on the next run.
      failures++
      logger.warn({ err: error, exportId: row.id }, 'export expiry failed')
    }
  }
  return { expired: due.length - failures, failures }
}
