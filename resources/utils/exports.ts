import { urlFor } from '~/utils/routes'
import type { ExportRecord } from '#services/finance/finance_props'
/** An export as the server reports it (下载中心 list and the progress endpoint). */
export type { ExportRecord }

// The registry's own list of kinds and permissions (data only): 导出 shows by the same permission.
export {
  REPORT_PERMISSIONS,
  type ReportKind,
} from '../../app/services/finance/exports/report_permissions'

function xsrfToken() {
  return decodeURIComponent(/(?:^|; )XSRF-TOKEN=([^;]*)/.exec(document.cookie)?.[1] ?? '')
}

async function json(response: Response) {
  const body = await response.json()
  if (!response.ok) throw new Error(body.errors?.[0]?.message ?? response.statusText)
  return body as ExportRecord
}

export async function startExport(path: string, payload: Record<string, unknown>) {
  const response = await fetch(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'accept': 'application/json',
      'x-xsrf-token': xsrfToken(),
    },
    body: JSON.stringify(payload),
  })
  return json(response)
}

export async function exportStatus(id: number) {
  return json(
    await fetch(urlFor('exports.show', { id }), { headers: { accept: 'application/json' } })
  )
}

/** Percent done, for the progress bar (0 until the row count is known). */
export function percentDone(record: ExportRecord) {
  if (record.status === 'done') return 100
  if (!record.rowsTotal) return 0
  return Math.min(100, Math.floor((record.rowsDone * 100) / record.rowsTotal))
}

/** A file size in KB or MB, for people. */
export function formatSize(bytes: number | null) {
  if (bytes === null) return '-'
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
