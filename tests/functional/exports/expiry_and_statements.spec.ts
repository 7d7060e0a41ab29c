import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import ExcelJS from 'exceljs'
import { DateTime } from 'luxon'
import { exportJob } from '#jobs/export_jobs'
import { expireExportsJob, monthlyStatementsJob } from '#jobs/report_jobs'
import QueueManager from '#core/queue/queue_manager'
import { runExport } from '#services/finance/exports/export_runner'
import type { createMonthlyStatements } from '#services/finance/exports/monthly_statements'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { lastMonth, lastMonthFixture } from '#tests/browser/fixtures/last_month'

/*
| 下载中心 housekeeping: files past their keeping time are deleted and their
| rows marked expired; on the 1st the system makes last month's statement of
| every active project. Everything commits (no global transaction): the jobs
| read what the fixtures wrote, and a real BullMQ worker makes the files.
*/

const owner = () => db.connection('owner')

/** The monthly statements job's handler, run as the scheduler would on `day` (Shanghai). */
function statementsOn(day: string) {
  return monthlyStatementsJob.handle({ day }, { attempt: 1, jobId: undefined }) as ReturnType<
    typeof createMonthlyStatements
  >
}

async function signedIn(fixture: Awaited<ReturnType<typeof lastMonthFixture>>) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

async function finishedExport(browser: BrowserSession, tenantId: number) {
  const started = await browser.send('POST', '/finance/exports/ledger', {
    format: 'xlsx',
    filters: {},
  })
  const { id } = JSON.parse(started.text)
  await runExport(tenantId, id)
  return owner().from('exports').where('id', id).firstOrFail()
}

/** Four files by one worker take seconds; a loaded CI machine may need a minute or more. */
async function waitUntilMade(ids: number[]) {
  for (let attempt = 0; attempt < 450; attempt++) {
    const rows = await owner().from('exports').whereIn('id', ids).select('status')
    if (rows.every((row) => row.status === 'done' || row.status === 'failed')) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`exports ${ids.join(', ')} were not made`)
}

test.group('Exports: expired files', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an export past its keeping time loses its file, shows 已过期 and refuses the download politely', async ({
    assert,
  }) => {
    const fixture = await lastMonthFixture()
    const browser = await signedIn(fixture)
    const old = await finishedExport(browser, fixture.tenant.id)
    const fresh = await finishedExport(browser, fixture.tenant.id)
    assert.equal(old.status, 'done')
    assert.isTrue(await drive.use().exists(old.file_path))
    await owner()
      .from('exports')
      .where('id', old.id)
      .update({ expires_at: DateTime.utc().minus({ minutes: 1 }).toJSDate() })

    await expireExportsJob.handle({}, { attempt: 1, jobId: undefined })
    const expired = await owner().from('exports').where('id', old.id).firstOrFail()
    assert.equal(expired.status, 'expired')
    assert.isNull(expired.file_path)
    assert.isFalse(await drive.use().exists(old.file_path))
    const kept = await owner().from('exports').where('id', fresh.id).firstOrFail()
    assert.equal(kept.status, 'done')
    assert.isTrue(await drive.use().exists(kept.file_path))

    // A second run finds nothing more of this tenant to do.
    await expireExportsJob.handle({}, { attempt: 1, jobId: undefined })
    const untouched = await owner().from('exports').where('id', fresh.id).firstOrFail()
    assert.equal(untouched.status, 'done')

    const refused = await browser.get(`/finance/exports/${old.id}/download`)
    assert.equal(refused.status, 302)
    const listed = await browser.props('/finance/downloads')
    assert.equal(listed.flash?.error, '文件已过期，请重新导出')
    const row = listed.exports.find((record: { id: number }) => record.id === old.id)
    assert.equal(row.status, 'expired')
    assert.isTrue(row.expired)
    // Nothing to make again: the job skips an expired export.
    assert.deepEqual(await runExport(fixture.tenant.id, old.id), { skipped: true })
  }).timeout(60_000)
})

test.group('Exports: monthly statements', (group) => {
  let worker: QueueManager
  group.setup(async () => {
    worker = new QueueManager(app.config.get('queue'))
    const workers = worker.startWorkers([exportJob], 1)
    await Promise.all(workers.map((started) => started.waitUntilReady()))
    return () => worker.close()
  })
  group.each.setup(() => resetLoginLimits())

  test('on the 1st each active project gets last month in xlsx and pdf, once, listed as 系统生成', async ({
    assert,
  }) => {
    const fixture = await lastMonthFixture()
    const { from, to, month } = lastMonth()
    const first = DateTime.now().setZone('Asia/Shanghai').startOf('month').toISODate()!
    const made = await statementsOn(first)
    assert.equal(made.month, month)
    const again = await statementsOn(first)
    assert.equal(again.created, 0)

    const statements = await owner()
      .from('exports')
      .where('tenant_id', fixture.tenant.id)
      .orderBy('id')
    assert.lengthOf(statements, 4)
    for (const statement of statements) {
      assert.isTrue(statement.scheduled)
      assert.isNull(statement.requested_by)
      assert.equal(statement.kind, 'monthly')
      assert.deepInclude(statement.filters, { from, to })
    }
    assert.sameMembers(
      statements.map((row) => `${row.filters.projectId}:${row.format}`),
      [fixture.project.id, fixture.second.id].flatMap((id) => [`${id}:xlsx`, `${id}:pdf`])
    )
    await waitUntilMade(statements.map((row) => row.id))

    const browser = await signedIn(fixture)
    const listed = await browser.props('/finance/downloads')
    const mine = listed.exports.filter((row: { id: number }) =>
      statements.some((statement) => statement.id === row.id)
    )
    assert.lengthOf(mine, 4)
    for (const row of mine) {
      assert.equal(row.status, 'done', row.error)
      assert.isNull(row.requestedBy)
    }

    // The second project's workbook: its charging revenue of the month, ¥12.89.
    const xlsx = statements.find(
      (row) => row.format === 'xlsx' && row.filters.projectId === fixture.second.id
    )!
    const file = await browser.download(`/finance/exports/${xlsx.id}/download`)
    assert.equal(file.status, 200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file.bytes as any)
    const sheet = workbook.worksheets[0]
    const headers = (sheet.getRow(1).values as unknown[]).slice(1)
    const totals = sheet.getRow(sheet.rowCount)
    assert.equal(totals.getCell(1).value, '合计')
    const column = headers.indexOf('充电收入（实际）') + 1
    assert.isAbove(column, 0)
    assert.equal(Math.round(Number(totals.getCell(column).value) * 100), 1289)
  }).timeout(180_000)

  test('a suspended tenant gets no statement', async ({ assert }) => {
    const fixture = await lastMonthFixture()
    await owner().from('tenants').where('id', fixture.tenant.id).update({ status: 'suspended' })
    const first = DateTime.now().setZone('Asia/Shanghai').startOf('month').toISODate()!
    await statementsOn(first)
    const rows = await owner().from('exports').where('tenant_id', fixture.tenant.id)
    assert.lengthOf(rows, 0)
  }).timeout(60_000)
})
