import { defineJob } from '#core/queue/job'
import { runExport } from '#services/finance/exports/export_runner'

/** Makes the file of one 下载中心 export; failures are recorded on the export, not retried. */
export const exportJob = defineJob<{ tenantId: number; exportId: number }>({
  name: 'exports.run',
  queue: 'exports',
  handle({ tenantId, exportId }) {
    return runExport(tenantId, exportId)
  },
})
