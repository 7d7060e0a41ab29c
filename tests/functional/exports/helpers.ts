import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import db from '@adonisjs/lucid/services/db'
import { runExport } from '#services/finance/exports/export_runner'
import { BrowserSession } from '#tests/helpers/login'

/*
| Exports for real in functional tests: started over HTTP as the page does,
| the `exports.run` job run in-process, the file downloaded as staff do.
*/

export async function session(fixture: { staff: { account: string }; password: string }) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

/** Starts an export over HTTP, runs its job here, and downloads the file. */
export async function exported(
  browser: BrowserSession,
  tenantId: number,
  kind: string,
  format: 'xlsx' | 'pdf',
  filters: Record<string, unknown>
) {
  const started = await browser.send('POST', `/finance/exports/${kind}`, { format, filters })
  if (started.status !== 200) throw new Error(`${kind}: ${started.status} ${started.text}`)
  const id = JSON.parse(started.text).id
  await runExport(tenantId, id)
  const row = await db.connection('owner').from('exports').where('id', id).first()
  if (row.status !== 'done') throw new Error(`${kind}: ${row.status} ${row.error}`)
  const file = await browser.download(`/finance/exports/${id}/download`)
  return { id: Number(id), row, bytes: file.bytes }
}

/** The text of a PDF as pdftotext reads it, whitespace folded. */
export async function pdfText(bytes: Uint8Array) {
  const folder = await mkdtemp(join(tmpdir(), 'pilehub-report-'))
  try {
    await writeFile(join(folder, 'report.pdf'), bytes)
    const { stdout } = await promisify(execFile)('pdftotext', [
      '-layout',
      join(folder, 'report.pdf'),
      '-',
    ])
    return stdout.replace(/\s+/g, ' ')
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

/** The HTTP status of a GET, a POST or a download. */
export async function statusOf(response: Promise<{ status: number }>) {
  const { status } = await response
  return status
}
