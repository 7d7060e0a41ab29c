import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import ExcelJS from 'exceljs'
import { runExport } from '#services/finance/exports/export_runner'
import { resetLoginLimits, type BrowserSession } from '#tests/helpers/login'
import { novemberFixture, ownerAccount, ownersFixture } from '#tests/functional/owners/helpers'

const owner = () => db.connection('owner')

/*
| Owners (业主): managed on 运维 → 业主管理, their stations' month on
| 数据 → 业主对账 and as a statement export, and owner accounts that see
| only their own owner. Data is committed through the owner connection (no
| global transaction), so the test server's requests see it.
*/

/** The refusal the next page shows (a refused form flashes its reason). */
async function flashed(browser: BrowserSession) {
  const props = await browser.props('/operations/owners')
  return props.flash.error as string | undefined
}

async function pdfText(bytes: Uint8Array) {
  const folder = await mkdtemp(join(tmpdir(), 'pilehub-owner-'))
  try {
    await writeFile(join(folder, 'statement.pdf'), bytes)
    const { stdout } = await promisify(execFile)('pdftotext', [
      '-layout',
      join(folder, 'statement.pdf'),
      '-',
    ])
    return stdout.replace(/\s+/g, ' ')
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

test.group('Owners: 业主管理 and station shares', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('owners are validated, unique by name and audited', async ({ assert }) => {
    const fixture = await ownersFixture()
    const blank = await fixture.admin.send('POST', '/operations/owners', { name: ' ' })
    assert.notEqual(blank.status, 200)
    const badPhone = await fixture.admin.send('POST', '/operations/owners', {
      name: '某物业',
      phone: 'call me',
    })
    assert.notEqual(badPhone.status, 200)
    assert.lengthOf(await owner().from('owners').where('tenant_id', fixture.tenant.id), 0)

    const ownerId = await fixture.createOwner('阳光物业')
    await fixture.admin.send('POST', '/operations/owners', { name: '阳光物业' })
    assert.equal(await flashed(fixture.admin), '已有同名业主')
    await fixture.admin.send('PUT', `/operations/owners/${ownerId}`, { name: '阳光物业二期' })
    const row = await owner().from('owners').where('id', ownerId).first()
    assert.equal(row.name, '阳光物业二期')
    const actions = await owner()
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereIn('action', ['owners.create', 'owners.update'])
      .select('action')
    assert.sameMembers(
      actions.map((action) => action.action),
      ['owners.create', 'owners.update']
    )
  })

  test('a station share needs an owner, and price periods may not overlap', async ({ assert }) => {
    const fixture = await ownersFixture()
    const ownerId = await fixture.createOwner('阳光物业')
    const [east] = fixture.stations
    const path = `/operations/stations/${east.id}/money`
    await fixture.admin.send('PUT', path, { share: { kind: 'percent', value: 1000 } })
    assert.equal(await flashed(fixture.admin), '请同时选择业主并填写分成')
    const overlapping = {
      flat: 5000,
      periods: [
        { from: '08:00', to: '12:00', price: 1 },
        { from: '11:00', to: '13:00', price: 1 },
      ],
    }
    await fixture.admin.send('PUT', path, { electricityTariff: overlapping })
    assert.equal(await flashed(fixture.admin), '电价时段不能重叠，且须在一天之内（开始早于结束）')
    const tooMuch = await fixture.admin.send('PUT', path, {
      ownerId,
      share: { kind: 'percent', value: 10_001 },
    })
    assert.notEqual(tooMuch.status, 200)
    let station = await owner().from('stations').where('id', east.id).first()
    assert.isNull(station.owner_id)
    assert.isNull(station.electricity_tariff)

    await fixture.admin.send('PUT', path, {
      ownerId,
      share: { kind: 'per_kwh', value: 8 },
      electricityTariff: { flat: 6523, periods: [] },
    })
    station = await owner().from('stations').where('id', east.id).first()
    assert.equal(Number(station.owner_id), ownerId)
    assert.equal(station.owner_share_kind, 'per_kwh')
    assert.deepEqual(station.electricity_tariff, { flat: 6523, periods: [] })
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'owners.station_money' })
      .first()
    assert.exists(audit)
  })
})

test.group('Owners: statements, cost and profit', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the month of each station to the fen, with cost and profit', async ({ assert }) => {
    const fixture = await novemberFixture()
    const props = await fixture.admin.props(`/data/owners?month=2026-11&ownerId=${fixture.ownerId}`)
    const [east, west] = props.stations
    assert.deepInclude(east, {
      orders: 2,
      energyWh: 4000,
      revenue: 800,
      refunds: 200,
      net: 600,
      ownerShare: 90,
      electricityCost: 275,
      profit: 235,
    })
    assert.deepInclude(west, {
      orders: 1,
      energyWh: 12_500,
      revenue: 1000,
      refunds: 0,
      net: 1000,
      ownerShare: 100,
      electricityCost: 0,
      profit: 900,
    })
  })

  test('profit per project and station in 数据 and 财务汇总', async ({ assert }) => {
    const fixture = await novemberFixture()
    const period = 'from=2026-11-01&to=2026-11-30'
    for (const path of [`/data?${period}`, `/finance/summary?${period}`]) {
      const { profit } = await fixture.admin.props(path)
      assert.deepEqual(
        profit.stations.map((station: any) => [station.stationName, station.profit]),
        [
          ['东门站', 235],
          ['西门站', 900],
        ],
        path
      )
      assert.lengthOf(profit.projects, 1)
      assert.deepInclude(profit.projects[0], {
        revenue: 1800,
        refunds: 200,
        electricityCost: 275,
        ownerShare: 190,
        profit: 1135,
      })
    }
  })

  test('月度汇总 export carries electricity, owner share and profit per project', async ({
    assert,
  }) => {
    const fixture = await novemberFixture()
    const started = await fixture.admin.send('POST', '/finance/exports/monthly', {
      format: 'xlsx',
      filters: { from: '2026-11-01', to: '2026-11-30' },
    })
    assert.equal(started.status, 200, started.text)
    const id = JSON.parse(started.text).id
    await runExport(fixture.tenant.id, id)
    const file = await fixture.admin.download(`/finance/exports/${id}/download`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file.bytes as any)
    const sheet = workbook.worksheets[0]
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String)
    const totals = sheet.getRow(sheet.rowCount)
    const total = (header: string) =>
      Math.round(Number(totals.getCell(headers.indexOf(header) + 1).value) * 100)
    assert.equal(total('电费'), 275)
    assert.equal(total('业主分成'), 190)
    assert.equal(total('充电利润'), 1135)
  })

  test('an owner account sees only its owner, no cost or profit, and no other menu', async ({
    assert,
  }) => {
    const fixture = await novemberFixture()
    const otherOwnerId = await fixture.createOwner('另一家物业')
    const { browser } = await ownerAccount(fixture, fixture.ownerId)

    const props = await browser.props('/data/owners?month=2026-11')
    assert.isTrue(props.ownerAccount)
    assert.deepEqual(props.ownerOptions, [{ id: fixture.ownerId, name: '阳光物业' }])
    assert.deepEqual(
      props.stations.map((station: any) => [station.stationName, station.ownerShare]),
      [
        ['东门站', 90],
        ['西门站', 100],
      ]
    )
    assert.isTrue(props.stations.every((s: any) => s.electricityCost === 0 && s.profit === 0))

    const other = await browser.get(`/data/owners?month=2026-11&ownerId=${otherOwnerId}`)
    assert.equal(other.status, 404)

    // The 业主 role without an owner tied to it reads no owner at all.
    const { browser: untied, staffId } = await ownerAccount(fixture, fixture.ownerId)
    await fixture.admin.send('PUT', `/operations/owners/${fixture.ownerId}/account`, {
      staffId,
      linked: false,
    })
    const nothing = await untied.props('/data/owners?month=2026-11')
    assert.deepEqual(nothing.ownerOptions, [])
    assert.deepEqual(nothing.stations, [])
    const untiedOther = await untied.get(`/data/owners?month=2026-11&ownerId=${fixture.ownerId}`)
    assert.equal(untiedOther.status, 404)
    for (const path of ['/data', '/operations/stations', '/operations/owners', '/orders']) {
      const response = await browser.get(path)
      assert.equal(response.status, 403, path)
    }
    const paths = props.navigation.flatMap((section: any) =>
      section.items.map((item: any) => item.path)
    )
    assert.deepEqual(paths, ['/', '/data/owners'])
  })

  test('the statement export: xlsx rows and PDF totals match; another owner is refused', async ({
    assert,
  }) => {
    const fixture = await novemberFixture()
    const otherOwnerId = await fixture.createOwner('另一家物业')
    const { browser } = await ownerAccount(fixture, fixture.ownerId)

    const exported = async (format: 'xlsx' | 'pdf', ownerId: number) => {
      const started = await browser.send('POST', '/finance/exports/owner_statement', {
        format,
        filters: { ownerId, month: '2026-11' },
      })
      assert.equal(started.status, 200, started.text)
      const id = JSON.parse(started.text).id
      await runExport(fixture.tenant.id, id)
      return { id, row: await owner().from('exports').where('id', id).first() }
    }

    const xlsx = await exported('xlsx', fixture.ownerId)
    assert.equal(xlsx.row.status, 'done')
    const file = await browser.download(`/finance/exports/${xlsx.id}/download`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file.bytes as any)
    const sheet = workbook.worksheets[0]
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String)
    const rows: Record<string, unknown>[] = []
    sheet.eachRow((row, index) => {
      if (index === 1) return
      rows.push(Object.fromEntries(headers.map((header, i) => [header, row.getCell(i + 1).value])))
    })
    const fen = (value: unknown) => Math.round(Number(value) * 100)
    assert.deepEqual(
      rows.map((row) => [
        row['站点'],
        String(row['订单数'] ?? ''),
        String(row['电量(kWh)'] ?? ''),
        fen(row['充电收入']),
        fen(row['退款']),
        fen(row['净收入']),
        fen(row['应付业主']),
      ]),
      [
        ['东门站', '2', '4.000', 800, 200, 600, 90],
        ['西门站', '1', '12.500', 1000, 0, 1000, 100],
        [null, '', '', 1800, 200, 1600, 190],
      ]
    )
    assert.equal(rows[2]['项目'], '合计')

    const pdf = await exported('pdf', fixture.ownerId)
    assert.equal(pdf.row.status, 'done')
    const pdfFile = await browser.download(`/finance/exports/${pdf.id}/download`)
    const text = await pdfText(pdfFile.bytes)
    assert.include(text, '业主对账单')
    assert.include(text, '阳光物业')
    // The totals row: revenue, refunds, net and the amount due.
    assert.match(text, /合计.*18\.00.*2\.00.*16\.00.*1\.90/)

    const refused = await exported('xlsx', otherOwnerId)
    assert.equal(refused.row.status, 'failed')
    assert.isNull(refused.row.file_path)
  })
})
