import { test } from '@japa/runner'
import type { Page } from 'playwright'
import SummaryService, { type SummaryQuery } from '#services/finance/summary_service'
import TenantContext from '#core/tenancy/tenant_context'
import { formatYuan } from '#sdk/money'
import { logIn } from '#tests/helpers/browser'
import { resetLoginLimits } from '#tests/helpers/login'
import { lastMonth, lastMonthFixture } from '#tests/browser/fixtures/last_month'

/*
| 财务 → 汇总 in the browser: the clerk picks last month, switches between
| days and the month and between projects; every figure on screen is the
| SummaryService's, shown as ¥ with two decimals.
*/

// The money columns of the period tables, in the page's order.
const COLUMNS = [
  'topUpCounter',
  'topUpQr',
  'topUpBonus',
  'bonusGrants',
  'cardFees',
  'chargeReal',
  'chargeBonus',
  'couponDiscount',
  'refunds',
  'correctionsReal',
  'net',
  'liabilityEnd',
] as const

const yuan = (fen: number | null) => `¥${formatYuan(fen ?? 0)}`

async function cellsOf(page: Page, testId: string) {
  const rows = page.getByTestId(testId).locator('tbody tr')
  const texts: string[][] = []
  for (const row of await rows.all()) {
    const cells = await row.locator('td').allInnerTexts()
    texts.push(cells.map((cell) => cell.trim()))
  }
  return texts
}

/** What the page must show for the query: one line per period, then the totals. */
async function expected(tenantId: number, query: SummaryQuery) {
  const summary = await new SummaryService(TenantContext.forJob(tenantId)).summarize(query)
  const line = (label: string, row: (typeof summary)['totals']) => [
    label,
    ...COLUMNS.map((column) => yuan(row[column])),
  ]
  return {
    summary,
    periods: [...summary.periods.map((row) => line(row.label, row)), line('合计', summary.totals)],
  }
}

async function choose(page: Page, label: string, option: string) {
  await page.getByLabel(label, { exact: true }).click({ force: true })
  await page.getByRole('option', { name: option, exact: true }).click()
}

async function search(page: Page, urlPart: string) {
  await page.getByTestId('summary-search').click()
  await page.waitForURL((url) => url.search.includes(urlPart))
}

test.group('财务 → 汇总', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('days, the month and one project show the service figures in ¥', async ({
    assert,
    visit,
  }) => {
    const fixture = await lastMonthFixture()
    const { from, to, month, start } = lastMonth()
    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto('/finance/summary')

    // Last month, day by day.
    await page.getByLabel('月份', { exact: true }).fill(month)
    await search(page, `from=${from}`)
    const days = await expected(fixture.tenant.id, { from, to, granularity: 'day' })
    assert.equal(days.summary.periods.length, start.daysInMonth)
    assert.deepEqual(await cellsOf(page, 'summary-periods'), days.periods)
    const third = await cellsOf(page, 'summary-periods').then((rows) => rows[2])
    assert.equal(third[COLUMNS.indexOf('chargeReal') + 1], '¥2.00')
    assert.equal(third[COLUMNS.indexOf('chargeBonus') + 1], '¥5.00')

    // The month as one line.
    await choose(page, '汇总方式', '月份')
    await search(page, 'granularity=month')
    const wholeMonth = await expected(fixture.tenant.id, { from, to, granularity: 'month' })
    assert.deepEqual(await cellsOf(page, 'summary-periods'), wholeMonth.periods)
    assert.equal(wholeMonth.periods[0][COLUMNS.indexOf('chargeReal') + 1], '¥16.85')
    const projects = await cellsOf(page, 'summary-projects')
    assert.sameDeepMembers(
      projects,
      wholeMonth.summary.projects.map((row) => [
        row.label,
        ...COLUMNS.map((column) => yuan(row[column])),
      ])
    )

    // The second project only.
    await choose(page, '项目', fixture.second.name)
    await search(page, `projectId=${fixture.second.id}`)
    const second = await expected(fixture.tenant.id, {
      from,
      to,
      granularity: 'month',
      projectId: fixture.second.id,
    })
    assert.deepEqual(await cellsOf(page, 'summary-periods'), second.periods)
    assert.equal(second.periods[0][COLUMNS.indexOf('chargeReal') + 1], '¥12.89')
    assert.equal(second.periods[0][COLUMNS.indexOf('chargeBonus') + 1], '¥0.00')
  }).timeout(120_000)
})
