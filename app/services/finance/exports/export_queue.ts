import app from '@adonisjs/core/services/app'
import { jobSpec } from '#core/queue/job'

/*
| The jobs of the `exports` queue, declared beside the exports: their names
| and payloads, and how an export is queued. The handlers
| (app/jobs/export_jobs.ts, app/jobs/report_jobs.ts) only call the domain.
*/

export type RunExportPayload = { tenantId: number; exportId: number }
export type ExpireExportsPayload = Record<string, never>
/** `day` (ISO, Asia/Shanghai) replays the run of that date. */
export type MonthlyStatementsPayload = { day?: string }

/** Makes the file of one 下载中心 export; failures are recorded on the export, not retried. */
export const RUN_EXPORT = jobSpec<RunExportPayload>('exports.run', 'exports')
/** Deletes the files of exports past their keeping time; they show 已过期 (scheduled). */
export const EXPIRE_EXPORTS = jobSpec<ExpireExportsPayload>('exports.expire', 'exports')
/** On the 1st (Shanghai): last month's statement of every active project (scheduled). */
export const MONTHLY_STATEMENTS = jobSpec<MonthlyStatementsPayload>(
  'exports.monthly-statements',
  'exports'
)

/** Queues the file of a recorded export. */
export async function dispatchExport(tenantId: number, exportId: number) {
  const queue = await app.container.make('queue')
  // One attempt: a failure is shown in 下载中心 with its reason, and staff retry it.
  await queue.dispatch(RUN_EXPORT, { tenantId, exportId }, { attempts: 1 })
}
