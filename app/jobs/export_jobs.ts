import { defineJob } from '#core/queue/job'
import { RUN_EXPORT, type RunExportPayload } from '#services/finance/exports/export_queue'
import { runExport } from '#services/finance/exports/export_runner'

export const exportJob = defineJob<RunExportPayload>({
  ...RUN_EXPORT,
  handle({ tenantId, exportId }) {
    return runExport(tenantId, exportId)
  },
})
