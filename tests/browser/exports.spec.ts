import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import ExcelJS from 'exceljs'
import type { Page } from 'playwright'
import { exportJob } from '#jobs/export_jobs'
import QueueManager from '#core/queue/queue_manager'
import SummaryService from '#services/finance/summary_service'
import TenantContext from '#core/tenancy/tenant_context'
import { formatYuan } from '#sdk/money'
import { logIn } from '#tests/helpers/browser'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { createRider } from '#tests/functional/cards/helpers'
import { resetLoginLimits } from '#tests/helpers/login'
import { lastMonth, lastMonthFixture } from '#tests/browser/fixtures/last_month'

/*
| The "Done when" scene: a finance clerk exports last month's
| 账户流水, watches the progress bar reach done (a real BullMQ worker on
| PostgreSQL runs `exports.run`), downloads the file from 下载中心, and its
| totals are the 财务 → 汇总 figures of the same month.
*/

/** The 汇总 totals row of the month, as the clerk reads it, and the service's figures behind it. */
async function summaryOfMonth(page: Page, tenantId: number) {
  const { from, to } = lastMonth()
  await page.goto(`/finance/summary?from=${from}&to=${to}&granularity=month`)
  const totals = page.getByTestId('summary-totals')
  await totals.waitFor()
  const { totals: figures } = await new SummaryService(TenantContext.forJob(tenantId)).summarize({
    from,
    to,
    granularity: 'month',
  })
  const text = await totals.innerText()
  return { text: text.replace(/\s+/g, ' '), figures }
}

/** Starts an export on 账户流水 for last month and waits for the bar to reach 已完成. */
async function exportFromLedger(page: Page, format: 'xlsx' | 'pdf') {
  const { from, to } = lastMonth()
  await page.goto(`/riders/ledger?from=${from}&to=${to}`)
  await page.getByTestId(`export-${format}`).click()
  const bar = page.getByTestId('export-progress')
  await bar.waitFor()
  await page
    .locator('[data-testid=export-progress][aria-valuenow="100"]')
    .waitFor({ timeout: 30_000 })
  await page.getByTestId('export-status').filter({ hasText: '已完成' }).waitFor()
}

/** The text of a PDF as pdftotext reads it, whitespace folded. */
async function pdfText(bytes: Buffer) {
  const folder = await mkdtemp(join(tmpdir(), 'pilehub-pdf-'))
  try {
    await writeFile(join(folder, 'export.pdf'), bytes)
    const { stdout } = await promisify(execFile)('pdftotext', [
      '-layout',
      join(folder, 'export.pdf'),
      '-',
    ])
    return stdout.replace(/\s+/g, ' ')
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

/** Downloads the newest export from 下载中心 as the browser saves it. */
async function downloadNewest(page: Page) {
  await page.goto('/finance/downloads')
  const row = page.getByTestId('downloads-table').locator('tbody tr').first()
  await row.getByText('已完成').waitFor()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('link', { name: '下载' }).click(),
  ])
  return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) }
}

test.group('Exports in the browser', (group) => {
  let worker: QueueManager
  group.setup(async () => {
    worker = new QueueManager(app.config.get('queue'))
    const workers = worker.startWorkers([exportJob], 1)
    await Promise.all(workers.map((started) => started.waitUntilReady()))
    return () => worker.close()
  })
  group.each.setup(() => resetLoginLimits())

  test('a finance clerk exports last month to Excel and its totals are the 汇总 figures', async ({
    assert,
    visit,
  }) => {
    const fixture = await lastMonthFixture()
    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await exportFromLedger(page, 'xlsx')
    const file = await downloadNewest(page)
    assert.match(file.name, /\.xlsx$/)

    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file.bytes as any)
    const sheet = workbook.worksheets[0]
    const headers = (sheet.getRow(1).values as unknown[]).slice(1)
    const totals = sheet.getRow(sheet.rowCount)
    assert.equal(totals.getCell(1).value, '合计')
    assert.equal(sheet.rowCount, 1 + 4 + 1)
    const fen = (name: string) =>
      Math.round(Number(totals.getCell(headers.indexOf(name) + 1).value) * 100)

    const summary = await summaryOfMonth(page, fixture.tenant.id)
    assert.equal(summary.figures.chargeReal, 1685)
    assert.equal(summary.figures.chargeBonus, 500)
    // Only settlements fall in last month: the ledger's expenses are the 汇总's charging revenue.
    assert.equal(fen('实际金额支出'), summary.figures.chargeReal + summary.figures.refunds)
    assert.equal(fen('赠送金额支出'), summary.figures.chargeBonus)
    assert.equal(
      fen('实际金额收入'),
      summary.figures.topUpCounter + summary.figures.topUpQr + summary.figures.correctionsReal
    )
    assert.equal(fen('赠送金额收入'), summary.figures.topUpBonus + summary.figures.bonusGrants)
    assert.include(summary.text, `¥${formatYuan(fen('实际金额支出'))}`)
    assert.include(summary.text, `¥${formatYuan(fen('赠送金额支出'))}`)
  }).timeout(120_000)

  test('the same month as PDF carries the same totals', async ({ assert, visit }) => {
    const fixture = await lastMonthFixture()
    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await exportFromLedger(page, 'pdf')
    const file = await downloadNewest(page)
    assert.match(file.name, /\.pdf$/)

    const text = await pdfText(file.bytes)
    const { from, to } = lastMonth()
    const summary = await summaryOfMonth(page, fixture.tenant.id)
    assert.include(text, '账户流水')
    assert.include(text, `期间：${from} 至 ${to}`)
    assert.match(
      text,
      new RegExp(
        `合计.*¥${formatYuan(summary.figures.chargeReal)}.*¥${formatYuan(summary.figures.chargeBonus)}`
      )
    )
    assert.include(summary.text, `¥${formatYuan(summary.figures.chargeReal)}`)
  }).timeout(120_000)

  test('运营 exports 用户管理 filtered by phone from its page and downloads it from 下载中心', async ({
    assert,
    visit,
  }) => {
    const fixture = await createTenantWithStaff({ roles: ['operator'] })
    const wanted = await createRider(fixture.tenant.id)
    await createRider(fixture.tenant.id)
    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto(`/riders?phone=${wanted.phone}`)
    await page.getByTestId('export-xlsx').click()
    await page
      .locator('[data-testid=export-progress][aria-valuenow="100"]')
      .waitFor({ timeout: 30_000 })
    const file = await downloadNewest(page)
    assert.match(file.name, /^riders-.*\.xlsx$/)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file.bytes as any)
    const sheet = workbook.worksheets[0]
    const headers = (sheet.getRow(1).values as unknown[]).slice(1)
    // The header row, the one rider the filter picks, and the totals row.
    assert.equal(sheet.rowCount, 3)
    assert.equal(sheet.getRow(2).getCell(headers.indexOf('手机号') + 1).value, wanted.phone)
  }).timeout(120_000)
})
