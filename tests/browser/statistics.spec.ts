import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import ExcelJS from 'exceljs'
import {
  charging,
  chargingFixture,
  endRecord,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { logIn } from '#tests/helpers/browser'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| 数据 in the browser: a charge settled today through the charging service,
| then the charts draw on canvas and a table toggle shows the figures.
*/

test.group('数据', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the charts render and each shows its table behind a toggle', async ({ visit }) => {
    const fixture = await chargingFixture()
    const orderNo = await startedBySwipe(fixture, new Date(Date.now() - 40 * 60_000))
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150 })
    )

    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto('/data')
    for (const chart of ['revenue-orders', 'energy', 'utilisation', 'new-riders', 'peak-hours']) {
      await page.assertExists(page.getByTestId(`chart-${chart}`).locator('canvas'))
    }

    // 30 minutes at 150 W on the 1 元/小时 band: ¥0.50 today, one order.
    await page.getByTestId('chart-revenue-orders-toggle').click()
    const table = page.getByTestId('chart-revenue-orders-table')
    await page.assertTextContains(table, '¥0.50')
    await page.assertTextContains(table.locator('tbody tr').last(), '合计')
    await page.assertNotExists(page.getByTestId('chart-revenue-orders').locator('canvas'))

    await page.getByTestId('chart-top-stations-toggle').click()
    await page.assertTextContains(page.getByTestId('chart-top-stations-table'), '一号站')

    // And back to the chart.
    await page.getByTestId('chart-revenue-orders-toggle').click()
    await page.assertExists(page.getByTestId('chart-revenue-orders').locator('canvas'))
  })

  test('a chart downloads as PNG and its table as xlsx', async ({ visit, assert }) => {
    const fixture = await chargingFixture()
    const orderNo = await startedBySwipe(fixture, new Date(Date.now() - 40 * 60_000))
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150 })
    )
    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto('/data')
    await page.assertExists(page.getByTestId('chart-revenue-orders').locator('canvas'))

    const [image] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('chart-revenue-orders-png').click(),
    ])
    assert.equal(image.suggestedFilename(), '每日收入与订单.png')
    const png = await readFile(await image.path())
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

    const [sheet] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('chart-revenue-orders-xlsx').click(),
    ])
    assert.match(sheet.suggestedFilename(), /^每日收入与订单-.+\.xlsx$/)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(await sheet.path())
    const rows: unknown[][] = []
    workbook.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
    assert.deepEqual(rows[0], ['日期', '订单数', '收入'])
    // 30 minutes at 150 W: ¥0.50, one order, in the totals row.
    assert.deepEqual(rows.at(-1), ['合计', 1, 0.5])
  })
})
