import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import ExcelJS from 'exceljs'
import { DateTime } from 'luxon'
import { REPORT_PERMISSIONS } from '#services/finance/exports/report_permissions'
import { formatYuan } from '#sdk/money'
import {
  charging,
  chargingFixture,
  endRecord,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { financeFixture } from '#tests/functional/finance/helpers'
import { resetLoginLimits, type BrowserSession } from '#tests/helpers/login'
import { exported, pdfText, session } from '#tests/functional/exports/helpers'

/*
| Each report kind exported for real: POST /finance/exports/<kind> over
| HTTP, the export job run in-process, the file downloaded and reopened
| with exceljs (or read with pdftotext); the totals row must equal the
| database's own sums to the fen. Data is committed (no global transaction).
*/

const owner = () => db.connection('owner')
const today = () => DateTime.now().setZone('Asia/Shanghai').toISODate()!
const fen = (value: unknown) => Math.round(Number(value) * 100)
const run = promisify(execFile)

function shanghaiDay(day: string, plusDays = 0) {
  return DateTime.fromISO(day, { zone: 'Asia/Shanghai' }).plus({ days: plusDays }).toJSDate()
}

/** The sheet's header names and its totals row (the last), money back in fen. */
async function sheetOf(bytes: unknown) {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as any)
  const sheet = workbook.worksheets[0]
  const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String)
  const totalsRow = sheet.getRow(sheet.rowCount)
  const total = (header: string) => fen(totalsRow.getCell(headers.indexOf(header) + 1).value)
  const cell = (row: number, header: string) =>
    sheet.getRow(row).getCell(headers.indexOf(header) + 1).value
  return { sheet, headers, total, cell, totalLabel: totalsRow.getCell(1).value }
}

/** A tenant with two settled charging orders today (and the top-up behind them). */
async function ordersFixture() {
  const fixture = await chargingFixture({ balance: 5000 })
  for (const minutes of [60, 90]) {
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes, watts: 300 })
    )
  }
  return fixture
}

/** A finance tenant with paid top-ups and a card fee today, one payment a month ago, and refunds. */
async function paymentsFixture() {
  const fixture = await financeFixture(['finance'])
  const rider = await fixture.rider()
  const first = await fixture.payment({ riderId: rider.id, amount: 12345, bonusAmount: 100 })
  await fixture.payment({ riderId: rider.id, purpose: 'card_fee', amount: 1000 })
  await fixture.payment({ riderId: rider.id, status: 'closed', amount: 801 })
  await fixture.payment({
    riderId: rider.id,
    amount: 77,
    createdAt: DateTime.now().minus({ days: 40 }).toJSDate(),
  })
  await fixture.refund(first, { riderId: rider.id, amount: 196, status: 'succeeded' })
  await fixture.refund(first, { riderId: rider.id, amount: 999, debited: true })
  return fixture
}

test.group('Exports: every report kind, totals equal to the database', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('订单 to xlsx: amounts total to the fen, Chinese headers and labels intact', async ({
    assert,
  }) => {
    const fixture = await ordersFixture()
    const browser = await session(fixture)
    const { row, bytes } = await exported(browser, fixture.tenant.id, 'orders', 'xlsx', {
      from: today(),
      to: today(),
      channel: 'card',
      before: 123,
    })
    assert.equal(row.kind, 'orders')
    assert.notProperty(row.filters, 'before')
    const sums = await owner()
      .from('charging_orders')
      .where('tenant_id', fixture.tenant.id)
      .count('* as rows')
      .sum('amount_fen as amount')
      .first()
    assert.equal(Number(sums.rows), 2)
    assert.isAbove(Number(sums.amount), 0)
    const sheet = await sheetOf(bytes)
    assert.equal(sheet.sheet.name, '订单')
    assert.includeMembers(sheet.headers, ['订单编号', '下单时间', '渠道', '状态', '金额'])
    assert.equal(sheet.sheet.rowCount, 1 + 2 + 1)
    assert.equal(sheet.totalLabel, '合计')
    assert.equal(sheet.total('金额'), Number(sums.amount))
    assert.equal(sheet.cell(2, '渠道'), '刷卡')
    assert.equal(sheet.cell(2, '状态'), '充电完成')
    assert.instanceOf(sheet.cell(2, '下单时间'), Date)
  }).timeout(60_000)

  test('收款记录 to xlsx and pdf: the period and filters of the page, sums to the fen', async ({
    assert,
  }) => {
    const fixture = await paymentsFixture()
    const browser = await fixture.session()
    const { bytes } = await exported(browser, fixture.tenant.id, 'payments', 'xlsx', {
      from: today(),
      to: today(),
    })
    const sums = await owner()
      .from('payment_orders')
      .where('tenant_id', fixture.tenant.id)
      .where('created_at', '>=', shanghaiDay(today()))
      .count('* as rows')
      .sum('amount as amount')
      .sum('bonus_amount as bonus')
      .sum('refunded_amount as refunded')
      .first()
    const sheet = await sheetOf(bytes)
    assert.equal(sheet.sheet.name, '收款记录')
    assert.equal(sheet.sheet.rowCount, 1 + Number(sums.rows) + 1)
    assert.equal(sheet.total('金额'), Number(sums.amount))
    assert.equal(sheet.total('赠送金额'), Number(sums.bonus))
    assert.equal(sheet.total('已退金额'), Number(sums.refunded))
    assert.includeMembers(
      Array.from({ length: Number(sums.rows) }, (_, index) => sheet.cell(index + 2, '用途')),
      ['充值', '开卡工本费']
    )

    const paid = await exported(browser, fixture.tenant.id, 'payments', 'pdf', {
      from: today(),
      to: today(),
      status: 'paid',
      purpose: 'topup',
    })
    const text = await pdfText(paid.bytes)
    const paidSum = await owner()
      .from('payment_orders')
      .where({ tenant_id: fixture.tenant.id, status: 'paid', purpose: 'topup' })
      .where('created_at', '>=', shanghaiDay(today()))
      .sum('amount as amount')
      .first()
    for (const part of [
      '收款记录',
      `租户：${fixture.tenant.name}`,
      `期间：${today()} 至 ${today()}`,
      '用途 充值',
      '状态 已支付',
      `生成人：${fixture.staff.name}`,
      '已支付',
      '合计',
      `¥${formatYuan(Number(paidSum.amount))}`,
    ]) {
      assert.include(text, part)
    }
  }).timeout(60_000)

  test('退款记录 to xlsx: amounts total to the fen', async ({ assert }) => {
    const fixture = await paymentsFixture()
    const browser = await fixture.session()
    const { bytes } = await exported(browser, fixture.tenant.id, 'refunds', 'xlsx', {
      from: today(),
      to: today(),
    })
    const sums = await owner()
      .from('payment_refunds')
      .where('tenant_id', fixture.tenant.id)
      .count('* as rows')
      .sum('amount as amount')
      .first()
    assert.equal(Number(sums.rows), 2)
    const sheet = await sheetOf(bytes)
    assert.equal(sheet.sheet.name, '退款记录')
    assert.equal(sheet.sheet.rowCount, 1 + 2 + 1)
    assert.equal(sheet.total('金额'), Number(sums.amount))
    assert.sameMembers([sheet.cell(2, '状态'), sheet.cell(3, '状态')], ['已退款', '退款失败'])
  }).timeout(60_000)

  test('月度汇总 to xlsx and pdf: top-ups, charging, card fees, refunds and the liability at the end', async ({
    assert,
  }) => {
    const fixture = await paymentsFixture()
    const orders = await ordersFixture()
    const month = DateTime.now().setZone('Asia/Shanghai')
    const from = month.startOf('month').toISODate()!
    const to = month.endOf('month').toISODate()!

    for (const tenant of [fixture, orders]) {
      const browser = await session(tenant)
      const { bytes } = await exported(browser, tenant.tenant.id, 'monthly', 'xlsx', {
        from,
        to,
        granularity: 'day',
      })
      const ledger = (types: string[], column: string) =>
        owner()
          .from('ledger_entries')
          .where('tenant_id', tenant.tenant.id)
          .whereIn('detail_type', types)
          .where('occurred_at', '>=', shanghaiDay(from))
          .where('occurred_at', '<', shanghaiDay(to, 1))
          .sum(`${column} as total`)
          .first()
          .then((row) => Number(row.total ?? 0))
      const cardFees = await owner()
        .from('payment_orders')
        .where({ tenant_id: tenant.tenant.id, purpose: 'card_fee', status: 'paid' })
        .where('paid_at', '>=', shanghaiDay(from))
        .where('paid_at', '<', shanghaiDay(to, 1))
        .sum('amount as total')
        .first()
      const liability = await owner()
        .from('ledger_entries')
        .where('tenant_id', tenant.tenant.id)
        .where('occurred_at', '<', shanghaiDay(to, 1))
        .select(owner().raw('COALESCE(SUM(real_in - real_out), 0)::bigint as total'))
        .first()
      const topUps = await ledger(['counter_topup', 'qr_topup'], 'real_in')
      const refunds = await ledger(['refund'], 'real_out')
      const sheet = await sheetOf(bytes)
      assert.equal(sheet.sheet.name, '月度汇总')
      assert.equal(sheet.cell(2, '类别'), '项目')
      assert.equal(sheet.cell(2, '名称'), tenant.project.name)
      assert.isAbove(topUps, 0)
      assert.equal(sheet.total('充值实收'), topUps)
      assert.equal(sheet.total('充值赠送'), await ledger(['counter_topup', 'qr_topup'], 'bonus_in'))
      assert.equal(sheet.total('充电收入（实际）'), await ledger(['charge_settlement'], 'real_out'))
      assert.equal(sheet.total('卡费'), Number(cardFees.total ?? 0))
      assert.equal(sheet.total('退款'), refunds)
      assert.equal(sheet.total('净收入'), topUps + Number(cardFees.total ?? 0) - refunds)
      assert.equal(sheet.total('期末余额负债'), Number(liability.total))
    }

    // The channel split follows the projects and is not counted again in the totals.
    const browser = await session(orders)
    const pdf = await exported(browser, orders.tenant.id, 'monthly', 'pdf', { from, to })
    const text = await pdfText(pdf.bytes)
    for (const part of [
      '月度汇总',
      `项目：全部项目`,
      `期间：${from} 至 ${to}`,
      '充值渠道',
      '线下',
      '充电渠道',
      '刷卡',
      '期末余额负债',
      '合计',
    ]) {
      assert.include(text, part)
    }
  }).timeout(90_000)
})

/** The error flashed by a refused request, as the page it redirected to shows it. */
async function flashed(browser: BrowserSession) {
  const props = await browser.props('/finance/downloads')
  return props.flash?.error as string | undefined
}

const KINDS = ['ledger', 'orders', 'payments', 'refunds', 'monthly'] as const
const periodOf = () => ({ from: today(), to: today() })

test.group('Exports: who may export each kind', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff without finance.export are refused every finance kind, and nothing is recorded', async ({
    assert,
  }) => {
    const fixture = await financeFixture(['operator'])
    const browser = await fixture.session()
    for (const kind of KINDS.filter((each) => REPORT_PERMISSIONS[each] === 'finance.export')) {
      const refused = await browser.send('POST', `/finance/exports/${kind}`, {
        format: 'xlsx',
        filters: periodOf(),
      })
      assert.equal(refused.status, 403, kind)
    }
    const recorded = await owner().from('exports').where('tenant_id', fixture.tenant.id)
    assert.lengthOf(recorded, 0)
  }).timeout(60_000)

  test('staff limited to another project are refused every kind for this project', async ({
    assert,
  }) => {
    const fixture = await financeFixture(['finance'])
    await owner().table('staff_projects').insert({
      tenant_id: fixture.tenant.id,
      staff_id: fixture.staff.id,
      project_id: fixture.otherProject.id,
    })
    const browser = await fixture.session()
    for (const kind of KINDS) {
      const refused = await browser.send(
        'POST',
        `/finance/exports/${kind}`,
        { format: 'pdf', filters: { ...periodOf(), projectId: fixture.project.id } },
        '/finance/downloads'
      )
      assert.equal(refused.status, 302, kind)
      assert.equal(await flashed(browser), '只能导出您负责的项目', kind)
    }
    const recorded = await owner().from('exports').where('tenant_id', fixture.tenant.id)
    assert.lengthOf(recorded, 0)
  }).timeout(60_000)

  test('a period whose start is after its end, or a bad kind or format, is refused', async ({
    assert,
  }) => {
    const fixture = await financeFixture(['finance'])
    const browser = await fixture.session()
    const backwards = await browser.send(
      'POST',
      '/finance/exports/monthly',
      { format: 'xlsx', filters: { from: '2026-03-31', to: '2026-03-01' } },
      '/finance/downloads'
    )
    assert.equal(backwards.status, 302)
    assert.equal(await flashed(browser), '开始日期不能晚于结束日期')
    const noPeriod = await browser.send('POST', '/finance/exports/monthly', {
      format: 'xlsx',
      filters: {},
    })
    assert.equal(noPeriod.status, 302)
    const badFormat = await browser.send('POST', '/finance/exports/orders', {
      format: 'csv',
      filters: {},
    })
    assert.equal(badFormat.status, 302)
    const unknownKind = await browser.send('POST', '/finance/exports/vendors', { format: 'xlsx' })
    assert.equal(unknownKind.status, 404)
    const recorded = await owner().from('exports').where('tenant_id', fixture.tenant.id)
    assert.lengthOf(recorded, 0)
  }).timeout(60_000)
})

/** Runs `node ace report:export` against this test database, as an operator would. */
function reportExport(argv: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['ace.js', 'report:export', ...argv],
      { cwd: fileURLToPath(app.appRoot), env: process.env },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0
        resolve({ code, output: `${stdout}${stderr}` })
      }
    )
  })
}

test.group('Exports: node ace report:export', (group) => {
  let folder: string
  group.each.setup(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pilehub-cli-'))
    return () => rm(folder, { recursive: true, force: true })
  })

  test('writes the ledger to xlsx and the monthly summary to pdf, and prints the totals', async ({
    assert,
  }) => {
    const fixture = await paymentsFixture()
    const month = DateTime.now().setZone('Asia/Shanghai')
    const from = month.startOf('month').toISODate()!
    const to = month.endOf('month').toISODate()!

    const ledgerFile = join(folder, '流水.xlsx')
    const ledger = await reportExport([
      'ledger',
      `--tenant=${fixture.tenant.id}`,
      `--project=${fixture.project.id}`,
      `--from=${from}`,
      `--to=${to}`,
      '--format=xlsx',
      `--out=${ledgerFile}`,
    ])
    assert.equal(ledger.code, 0, ledger.output)
    const sums = await owner()
      .from('ledger_entries')
      .where({ tenant_id: fixture.tenant.id, project_id: fixture.project.id })
      .where('occurred_at', '>=', shanghaiDay(from))
      .count('* as rows')
      .sum('real_in as realIn')
      .sum('real_out as realOut')
      .first()
    assert.include(ledger.output, `${Number(sums.rows)} rows`)
    assert.include(ledger.output, `实际金额收入: ¥${formatYuan(Number(sums.realIn))}`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(ledgerFile)
    const sheet = workbook.worksheets[0]
    assert.equal(sheet.name, '账户流水')
    assert.equal(sheet.rowCount, 1 + Number(sums.rows) + 1)

    const monthlyFile = join(folder, 'monthly.pdf')
    const monthly = await reportExport([
      'monthly',
      `--tenant=${fixture.tenant.id}`,
      `--from=${from}`,
      `--to=${to}`,
      '--format=pdf',
      `--out=${monthlyFile}`,
    ])
    assert.equal(monthly.code, 0, monthly.output)
    const { stdout } = await run('pdftotext', ['-layout', monthlyFile, '-'])
    const text = stdout.replace(/\s+/g, ' ')
    assert.include(text, '月度汇总')
    assert.include(text, `租户：${fixture.tenant.name}`)
    assert.include(text, '生成人：命令行 report:export')
    const written = await readdir(folder)
    assert.sameMembers(written, ['monthly.pdf', '流水.xlsx'])
  }).timeout(120_000)

  test('refuses an unknown tenant, a period backwards and a bad format, writing nothing', async ({
    assert,
  }) => {
    const fixture = await financeFixture(['finance'])
    const out = join(folder, 'never.xlsx')
    const common = [`--out=${out}`]
    const cases: [string[], string][] = [
      [
        ['ledger', '--tenant=999999999', '--from=2026-01-01', '--to=2026-01-31', '--format=xlsx'],
        'no such tenant',
      ],
      [
        [
          'monthly',
          `--tenant=${fixture.tenant.id}`,
          '--from=2026-02-01',
          '--to=2026-01-01',
          '--format=xlsx',
        ],
        'is after --to',
      ],
      [
        [
          'monthly',
          `--tenant=${fixture.tenant.id}`,
          '--from=2026-01-01',
          '--to=2026-01-31',
          '--format=csv',
        ],
        'format',
      ],
      [
        [
          'cards',
          `--tenant=${fixture.tenant.id}`,
          '--from=2026-01-01',
          '--to=2026-01-31',
          '--format=pdf',
        ],
        'kind',
      ],
      [
        [
          'orders',
          `--tenant=${fixture.tenant.id}`,
          `--project=${fixture.otherProject.id + 100000}`,
          '--from=2026-01-01',
          '--to=2026-01-31',
          '--format=pdf',
        ],
        'no such project',
      ],
    ]
    for (const [argv, message] of cases) {
      const result = await reportExport([...argv, ...common])
      assert.notEqual(result.code, 0, result.output)
      assert.include(result.output, message)
    }
    assert.deepEqual(await readdir(folder), [])
  }).timeout(120_000)
})
