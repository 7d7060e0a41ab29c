import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import ExcelJS from 'exceljs'
import { DateTime } from 'luxon'
import { exportJob } from '#jobs/export_jobs'
import { runExport } from '#services/finance/exports/export_runner'
import { writePdf } from '#services/finance/exports/pdf_writer'
import QueueManager from '#core/queue/queue_manager'
import WalletService from '#core/wallet/wallet_service'
import { formatYuan } from '#sdk/money'
import { createRider, walletFixture } from '#tests/functional/wallet/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { statusOf } from '#tests/functional/exports/helpers'

/*
| Exports run for real: the request over HTTP, the `exports.run` job on a
| BullMQ worker on PostgreSQL, the file stored through drive and downloaded
| back, then reopened with exceljs or read with pdftotext. They commit (no
| global transaction): the worker reads what the request wrote.
*/

const owner = () => db.connection('owner')
const today = () => DateTime.now().setZone('Asia/Shanghai').toISODate()!
let keys = 0
const key = () => `export-test-${process.pid}-${++keys}`

/** A tenant whose ledger has rows today and one a month ago (outside the period). */
async function ledgerFixture() {
  const fixture = await walletFixture()
  const wallet = new WalletService()
  const target = (riderId: number) => ({ riderId, projectId: fixture.project.id })
  const first = await createRider(fixture.tenant.id)
  const second = await createRider(fixture.tenant.id)
  await wallet.topUpCash(fixture.asStaff, {
    ...target(first.id),
    realAmount: 12345,
    bonusAmount: 100,
    idempotencyKey: key(),
  })
  await wallet.grantBonus(fixture.asStaff, {
    ...target(second.id),
    bonusAmount: 250,
    idempotencyKey: key(),
  })
  await wallet.topUpCash(fixture.asStaff, {
    ...target(second.id),
    realAmount: 801,
    idempotencyKey: key(),
  })
  await wallet.deduct(fixture.asSystem, {
    ...target(first.id),
    orderNo: `EXP${process.pid}${keys}`,
    sequence: 1,
    amount: 196,
  })
  await wallet.deduct(fixture.asSystem, {
    ...target(second.id),
    orderNo: `EXPOLD${process.pid}${keys}`,
    sequence: 1,
    amount: 77,
    occurredAt: DateTime.now().minus({ days: 40 }),
  })
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return { ...fixture, browser }
}

/** The database's own sums of the tenant's ledger over Shanghai days [from, to]. */
async function ledgerTotals(tenantId: number, from: string, to: string) {
  const start = DateTime.fromISO(from, { zone: 'Asia/Shanghai' }).startOf('day').toJSDate()
  const end = DateTime.fromISO(to, { zone: 'Asia/Shanghai' }).plus({ days: 1 }).startOf('day')
  const row = await owner()
    .from('ledger_entries')
    .where('tenant_id', tenantId)
    .where('occurred_at', '>=', start)
    .where('occurred_at', '<', end.toJSDate())
    .count('* as rows')
    .sum('real_in as realIn')
    .sum('bonus_in as bonusIn')
    .sum('real_out as realOut')
    .sum('bonus_out as bonusOut')
    .first()
  return {
    rows: Number(row.rows),
    realIn: Number(row.realIn),
    bonusIn: Number(row.bonusIn),
    realOut: Number(row.realOut),
    bonusOut: Number(row.bonusOut),
  }
}

async function recordOf(browser: BrowserSession, id: number) {
  const response = await browser.get(`/finance/exports/${id}`)
  return JSON.parse(response.text)
}

async function statusInDatabase(id: number) {
  const row = await owner().from('exports').where('id', id).first()
  return row.status as string
}

async function waitUntilFinished(browser: BrowserSession, id: number) {
  for (let attempt = 0; attempt < 150; attempt++) {
    const record = await recordOf(browser, id)
    if (record.status === 'done' || record.status === 'failed') return record
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`export ${id} did not finish`)
}

async function startWorker() {
  const queue = new QueueManager(app.config.get('queue'))
  const workers = queue.startWorkers([exportJob], 1)
  await Promise.all(workers.map((worker) => worker.waitUntilReady()))
  return queue
}

test.group('Exports: 账户流水 to Excel and PDF', (group) => {
  let worker: QueueManager
  group.setup(async () => {
    worker = await startWorker()
    return () => worker.close()
  })
  group.each.setup(() => resetLoginLimits())

  test('the xlsx of a period reopens with Chinese headers, dates and totals equal to the database', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const period = { from: today(), to: today() }
    const started = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'xlsx',
      filters: period,
    })
    assert.equal(started.status, 200, started.text)
    const record = await waitUntilFinished(fixture.browser, JSON.parse(started.text).id)
    assert.equal(record.status, 'done', record.error)
    const expected = await ledgerTotals(fixture.tenant.id, period.from, period.to)
    assert.equal(expected.rows, 4)
    assert.equal(record.rowsTotal, 4)
    assert.equal(record.rowsDone, 4)

    const file = await fixture.browser.download(`/finance/exports/${record.id}/download`)
    assert.equal(file.status, 200)
    assert.include(file.headers.get('content-disposition')!, '.xlsx')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file.bytes as any)
    const sheet = workbook.worksheets[0]
    assert.equal(sheet.name, '账户流水')
    const headers = (sheet.getRow(1).values as unknown[]).slice(1)
    assert.deepEqual(headers.slice(0, 7), [
      '订单编号',
      '时间',
      '姓名',
      '手机号',
      '项目',
      '明细',
      '实际金额收入',
    ])
    assert.equal(sheet.views[0].state, 'frozen')
    assert.equal(sheet.rowCount, 1 + expected.rows + 1)

    // Each money cell is fen / 100; back to fen by rounding, the sums must agree to the fen.
    const fen = (value: unknown) => Math.round(Number(value) * 100)
    const column = (name: string) => headers.indexOf(name) + 1
    const sums = { realIn: 0, bonusIn: 0, realOut: 0, bonusOut: 0 }
    for (let index = 2; index <= 1 + expected.rows; index++) {
      const row = sheet.getRow(index)
      sums.realIn += fen(row.getCell(column('实际金额收入')).value)
      sums.bonusIn += fen(row.getCell(column('赠送金额收入')).value)
      sums.realOut += fen(row.getCell(column('实际金额支出')).value)
      sums.bonusOut += fen(row.getCell(column('赠送金额支出')).value)
      assert.instanceOf(row.getCell(2).value, Date)
    }
    const { rows, ...money } = expected
    assert.deepEqual(sums, money)
    const totals = sheet.getRow(rows + 2)
    assert.equal(totals.getCell(1).value, '合计')
    assert.equal(fen(totals.getCell(column('实际金额收入')).value), money.realIn)
    assert.equal(fen(totals.getCell(column('赠送金额收入')).value), money.bonusIn)
    assert.equal(fen(totals.getCell(column('实际金额支出')).value), money.realOut)
    assert.equal(fen(totals.getCell(column('赠送金额支出')).value), money.bonusOut)
    assert.include(String(totals.getCell(column('实际金额收入')).numFmt), '¥')

    // A date cell holds the Shanghai wall-clock time of the entry.
    const firstEntry = await owner()
      .from('ledger_entries')
      .where('tenant_id', fixture.tenant.id)
      .where(
        'occurred_at',
        '>=',
        DateTime.fromISO(period.from, { zone: 'Asia/Shanghai' }).toJSDate()
      )
      .orderBy('occurred_at')
      .orderBy('id')
      .first()
    const shanghai = DateTime.fromJSDate(firstEntry.occurred_at).setZone('Asia/Shanghai')
    const cell = sheet.getRow(2).getCell(2).value as Date
    assert.equal(cell.toISOString().slice(0, 19), shanghai.toFormat("yyyy-MM-dd'T'HH:mm:ss"))
  }).timeout(60_000)

  test('the pdf of a period carries Chinese text, heading, page numbers and the totals', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const period = { from: today(), to: today() }
    const started = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'pdf',
      filters: { ...period, projectId: fixture.project.id },
    })
    const record = await waitUntilFinished(fixture.browser, JSON.parse(started.text).id)
    assert.equal(record.status, 'done', record.error)
    const file = await fixture.browser.download(`/finance/exports/${record.id}/download`)
    assert.equal(file.status, 200)
    assert.equal(file.headers.get('content-type'), 'application/pdf')

    const folder = await mkdtemp(join(tmpdir(), 'pilehub-pdf-'))
    try {
      await writeFile(join(folder, 'ledger.pdf'), file.bytes)
      const { stdout } = await promisify(execFile)('pdftotext', [
        '-layout',
        join(folder, 'ledger.pdf'),
        '-',
      ])
      const text = stdout.replace(/\s+/g, ' ')
      const expected = await ledgerTotals(fixture.tenant.id, period.from, period.to)
      for (const part of [
        '账户流水',
        `租户：${fixture.tenant.name}`,
        `项目：${fixture.project.name}`,
        `期间：${period.from} 至 ${period.to}`,
        `生成人：${fixture.staff.name}`,
        '实际金额收入',
        '线下充值',
        '充电结束扣费',
        '合计',
        `¥${formatYuan(expected.realIn)}`,
        `¥${formatYuan(expected.bonusIn)}`,
        `¥${formatYuan(expected.realOut)}`,
        `¥${formatYuan(expected.bonusOut)}`,
      ]) {
        assert.include(text, part)
      }
      // pdftotext drops the spaces of the centred footer.
      assert.include(text.replace(/\s+/g, ''), '第1/1页')
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  }).timeout(60_000)
})

test.group('Exports: the pdf writer', () => {
  test('a long table repeats its header on every page, numbers the pages and ends with the totals', async ({
    assert,
  }) => {
    async function* batches() {
      for (let batch = 0; batch < 3; batch++) {
        yield Array.from({ length: 100 }, (_, index) => ({
          name: `行${batch * 100 + index + 1}`,
          amount: -196,
        }))
      }
    }
    const folder = await mkdtemp(join(tmpdir(), 'pilehub-pdf-'))
    try {
      const file = join(folder, 'long.pdf')
      const progress: number[] = []
      const { totals } = await writePdf(
        {
          title: '长表',
          heading: ['租户：测试'],
          columns: [
            { key: 'name', header: '名称', kind: 'text', width: 20 },
            { key: 'amount', header: '金额', kind: 'money', width: 10, total: true },
          ],
          totalLabel: '合计',
          rowsTotal: 300,
          pageLabel: (page, pages) => `第 ${page} / ${pages} 页`,
          batches: batches(),
        },
        file,
        async (done) => {
          progress.push(done)
        }
      )
      assert.deepEqual(progress, [100, 200, 300])
      assert.deepEqual(totals, { amount: -58800 })
      const { stdout } = await promisify(execFile)('pdftotext', ['-layout', file, '-'])
      const pages = stdout.split('\f').filter((page) => page.trim())
      assert.isAbove(pages.length, 1)
      pages.forEach((page, index) => {
        assert.include(page, '名称')
        assert.include(page.replace(/\s+/g, ''), `第${index + 1}/${pages.length}页`)
      })
      assert.include(pages[0], '长表')
      assert.include(pages.at(-1)!, '行300')
      assert.match(pages.at(-1)!, /合计\s+¥-588\.00/)
      assert.include(stdout, '¥-1.96')
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})

test.group('Exports: who may export and download', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff without finance.export can neither start, see nor download a ledger export', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const started = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'xlsx',
      filters: {},
    })
    const id = JSON.parse(started.text).id
    await runExport(fixture.tenant.id, id)

    await owner().from('staff_roles').where('staff_id', fixture.staff.id).delete()
    await owner()
      .table('staff_roles')
      .insert({
        tenant_id: fixture.tenant.id,
        staff_id: fixture.staff.id,
        role_id: fixture.roles.get('operator')!.id,
      })
    const before = await owner()
      .from('exports')
      .where('tenant_id', fixture.tenant.id)
      .count('* as n')
    const refused = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'pdf',
      filters: {},
    })
    assert.equal(refused.status, 403)
    // 运营 opens 下载中心 for the lists it may export, but not the ledger's exports.
    const centre = await fixture.browser.props('/finance/downloads')
    assert.notInclude(
      centre.exports.map((row: { id: number }) => row.id),
      id
    )
    assert.equal(await statusOf(fixture.browser.download(`/finance/exports/${id}/download`)), 404)
    assert.deepEqual(
      await owner().from('exports').where('tenant_id', fixture.tenant.id).count('* as n'),
      before
    )
  }).timeout(60_000)

  test("staff limited to a project export only it, and never see a colleague's export", async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const started = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'xlsx',
      filters: {},
    })
    const colleagues = JSON.parse(started.text).id
    await runExport(fixture.tenant.id, colleagues)

    const [other] = await owner()
      .table('projects')
      .insert({
        tenant_id: fixture.tenant.id,
        code: `other_${process.pid}_${keys}`,
        name: '别的项目',
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await owner().table('staff_projects').insert({
      tenant_id: fixture.tenant.id,
      staff_id: fixture.staff.id,
      project_id: other.id,
    })
    // Limited now: the export made before by the same account counts as theirs, so use a colleague.
    await owner()
      .from('exports')
      .where('id', colleagues)
      .update({
        requested_by: await createColleague(fixture.tenant.id),
      })

    const exportsBefore = await owner()
      .from('exports')
      .where('tenant_id', fixture.tenant.id)
      .count('* as n')
    const refused = await fixture.browser.send(
      'POST',
      '/finance/exports/ledger',
      { format: 'xlsx', filters: { projectId: fixture.project.id } },
      '/riders/ledger'
    )
    assert.equal(refused.status, 302)
    assert.deepEqual(
      await owner().from('exports').where('tenant_id', fixture.tenant.id).count('* as n'),
      exportsBefore
    )
    assert.equal(await statusOf(fixture.browser.get(`/finance/exports/${colleagues}`)), 404)
    assert.equal(
      await statusOf(fixture.browser.download(`/finance/exports/${colleagues}/download`)),
      404
    )
    const listed = await fixture.browser.props('/finance/downloads')
    assert.notInclude(
      listed.exports.map((row: { id: number }) => row.id),
      colleagues
    )

    // Their own export of everything holds only their project's rows: none here.
    const own = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'xlsx',
      filters: {},
    })
    const ownId = JSON.parse(own.text).id
    await runExport(fixture.tenant.id, ownId)
    const row = await owner().from('exports').where('id', ownId).first()
    assert.equal(row.status, 'done')
    assert.equal(row.rows_total, 0)
  }).timeout(60_000)

  test('a failed export shows why and can be retried', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const started = await fixture.browser.send('POST', '/finance/exports/ledger', {
      format: 'xlsx',
      filters: {},
    })
    const id = JSON.parse(started.text).id
    // Filters the database refuses make the job fail (as a broken storage would).
    await owner()
      .from('exports')
      .where('id', id)
      .update({ filters: JSON.stringify({ projectId: 'not-a-number' }) })
    await runExport(fixture.tenant.id, id)
    const failed = await recordOf(fixture.browser, id)
    assert.equal(failed.status, 'failed')
    assert.isNotEmpty(failed.error)
    const listed = await fixture.browser.props('/finance/downloads')
    assert.equal(listed.exports.find((row: { id: number }) => row.id === id).error, failed.error)

    await owner()
      .from('exports')
      .where('id', id)
      .update({ filters: JSON.stringify({}) })
    const retried = await fixture.browser.send(
      'POST',
      `/finance/exports/${id}/retry`,
      {},
      '/finance/downloads'
    )
    assert.equal(retried.status, 302)
    assert.equal(await statusInDatabase(id), 'queued')
    await runExport(fixture.tenant.id, id)
    const done = await recordOf(fixture.browser, id)
    assert.equal(done.status, 'done')
    assert.equal(done.rowsTotal, 5)

    const again = await fixture.browser.send(
      'POST',
      `/finance/exports/${id}/retry`,
      {},
      '/finance/downloads'
    )
    assert.equal(again.status, 302)
    assert.equal(await statusInDatabase(id), 'done')
  }).timeout(60_000)
})

/** Another staff member of the tenant (never signs in). */
async function createColleague(tenantId: number) {
  const [staff] = await owner()
    .table('staff')
    .insert({
      tenant_id: tenantId,
      account: `colleague_${process.pid}_${++keys}`,
      name: '同事',
      password: 'not-a-hash',
      status: 'active',
      must_change_password: false,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  return staff.id as number
}
