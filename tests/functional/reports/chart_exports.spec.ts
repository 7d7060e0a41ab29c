import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import ExcelJS from 'exceljs'
import Project from '#models/project'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

/*
| 数据 → a chart's table as .xlsx (GET /data/export/<chart>): reopened with
| exceljs and compared with the figures the page gets from StatisticsService.
| No global transaction: the export reads what committed.
*/

let sequence = 0
const RANGE = 'from=2025-03-10&to=2025-03-12'

/** A Shanghai wall-clock time ("2025-03-10 08:00") as a Date. */
const shanghai = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`)

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

async function settledOrder(fixture: Fixture, at: string, amountFen: number, energyWh: number) {
  sequence += 1
  const createdAt = shanghai(at)
  await owner()
    .table('charging_orders')
    .insert({
      tenant_id: fixture.tenant.id,
      order_no: `CX${String(process.pid % 100000).padStart(5, '0')}${String(sequence).padStart(9, '0')}`,
      project_id: fixture.project.id,
      station_id: fixture.station.id,
      pile_id: fixture.pile.id,
      port_no: 1,
      vendor_id: fixture.vendor.id,
      vendor_name: fixture.vendor.name,
      device_key: 'fixture',
      rider_id: fixture.rider.id,
      channel: 'card',
      duration_type: 'full',
      tariff: JSON.stringify({}),
      status: 'settled',
      started_at: createdAt,
      ended_at: new Date(createdAt.getTime() + 30 * 60_000),
      max_duration_seconds: 8 * 3600,
      duration_seconds: 1800,
      energy_wh: energyWh,
      amount_fen: amountFen,
      created_at: createdAt,
      updated_at: createdAt,
    })
}

async function session(fixture: Fixture) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

async function sheetOf(bytes: Buffer) {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
  const sheet = workbook.worksheets[0]
  const rows: unknown[][] = []
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return { sheet, rows }
}

/** An export that must succeed, reopened. */
async function exported(browser: BrowserSession, path: string) {
  const response = await browser.download(path)
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`)
  return sheetOf(response.bytes)
}

const fen = (yuan: unknown) => Math.round(Number(yuan) * 100)

test.group('数据 exports', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a chart table as xlsx: Chinese headers, figures equal to the page to the fen, totals', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ roles: ['finance'] })
    await settledOrder(fixture, '2025-03-10 08:00', 301, 1234)
    await settledOrder(fixture, '2025-03-10 23:30', 199, 1)
    await settledOrder(fixture, '2025-03-11 10:15', 150, 80)
    // Another tenant's orders in the same days never show.
    const other = await chargingFixture({ roles: ['finance'] })
    await settledOrder(other, '2025-03-10 09:00', 77_777, 9999)

    const browser = await session(fixture)
    const { statistics } = await browser.props(`/data?${RANGE}`)

    const response = await browser.download(`/data/export/revenue-orders?${RANGE}`)
    assert.equal(response.status, 200)
    assert.include(response.headers.get('content-disposition') ?? '', '.xlsx')
    const { sheet, rows } = await sheetOf(response.bytes)
    assert.equal(sheet.name, '每日收入与订单')
    assert.deepEqual(rows[0], ['日期', '订单数', '收入'])
    assert.lengthOf(rows, 1 + 3 + 1)
    statistics.daily.forEach(
      (day: { day: string; orders: number; revenueFen: number }, i: number) => {
        const [date, orders, revenue] = rows[i + 1]
        assert.equal((date as Date).toISOString().slice(0, 10), day.day)
        assert.equal(orders, day.orders)
        assert.equal(fen(revenue), day.revenueFen)
      }
    )
    assert.deepEqual(
      statistics.daily.map((day: { revenueFen: number }) => day.revenueFen),
      [500, 150, 0]
    )
    const totals = rows[4]
    assert.equal(totals[0], '合计')
    assert.equal(totals[1], 3)
    assert.equal(fen(totals[2]), 650)
    assert.include(String(sheet.getRow(2).getCell(3).numFmt), '¥')
    assert.equal(sheet.getRow(2).getCell(1).numFmt, 'yyyy-mm-dd')

    const energy = await exported(browser, `/data/export/energy?${RANGE}`)
    assert.deepEqual(energy.rows[0], ['日期', '电量（kWh）'])
    assert.deepEqual(
      energy.rows.slice(1).map((row) => row[1]),
      [1.235, 0.08, 0, 1.315]
    )

    const projects = await exported(browser, `/data/export/by-project?${RANGE}`)
    assert.deepEqual(projects.rows[0], ['名称', '订单数', '收入', '电量（kWh）'])
    assert.deepEqual(
      projects.rows.slice(1).map((row) => [row[0], row[1], fen(row[2])]),
      [
        [fixture.project.name, 3, 650],
        ['合计', 3, 650],
      ]
    )
    const all = JSON.stringify([rows, energy.rows, projects.rows])
    assert.notInclude(all, other.project.name)
    assert.notInclude(all, '777.77')
  })

  test('refused without finance.export, for a foreign project and for an unknown chart', async ({
    assert,
  }) => {
    const viewer = await chargingFixture({ roles: ['maintenance'] })
    const viewerSession = await session(viewer)
    const forbidden = await viewerSession.download(`/data/export/energy?${RANGE}`)
    assert.equal(forbidden.status, 403)

    const fixture = await chargingFixture({ roles: ['finance'] })
    await settledOrder(fixture, '2025-03-10 08:00', 300, 100)
    const mine = await Project.create(
      {
        tenantId: fixture.tenant.id,
        code: `cx_${randomUUID().slice(0, 8)}`,
        name: `二期${fixture.tenant.id}`,
        status: 'active',
      },
      { connection: 'owner' }
    )
    await owner().table('staff_projects').insert({
      staff_id: fixture.staff.id,
      project_id: mine.id,
      tenant_id: fixture.tenant.id,
    })
    const limited = await session(fixture)
    const foreign = await limited.get(
      `/data/export/energy?${RANGE}&projectId=${fixture.project.id}`
    )
    assert.equal(foreign.status, 302)
    const flashed = await limited.props(`/data?${RANGE}`)
    assert.equal(flashed.flash.error, '只能导出您负责的项目')

    // Their own project is exported; the other project's order is not in it.
    const own = await exported(limited, `/data/export/by-project?${RANGE}&projectId=${mine.id}`)
    assert.deepEqual(own.rows, [
      ['名称', '订单数', '收入', '电量（kWh）'],
      ['合计', 0, 0, 0],
    ])
    const unfiltered = await exported(limited, `/data/export/revenue-orders?${RANGE}`)
    assert.deepEqual(unfiltered.rows[4], ['合计', 0, 0])

    const unknown = await limited.download(`/data/export/nothing?${RANGE}`)
    assert.equal(unknown.status, 404)
  })
})
