import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import ExcelJS from 'exceljs'
import { REPORT_KINDS, type ReportKind } from '#services/finance/exports/report_permissions'
import { BUILTIN_ROLES } from '#core/access/permissions'
import { freshCardNo, stockCards, createRider } from '#tests/functional/cards/helpers'
import { chargingFixture, startedBySwipe } from '#tests/functional/charging/helpers'
import { paymentSetting } from '#tests/functional/finance/helpers'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { exported, pdfText, session, statusOf } from '#tests/functional/exports/helpers'

/*
| Every list of the back office exported for real (issue 18): POST
| /finance/exports/<kind> with the page's filters, the job run in-process,
| the file downloaded and read back with exceljs; its rows are the rows the
| page's filter picks in this tenant, and never another tenant's. Each kind
| is refused without its own export permission. Data is committed.
*/

const owner = () => db.connection('owner')

type Fixture = Awaited<ReturnType<typeof listsFixture>>

/** A charging tenant (station, pile, rider with a bound card) with one row more of each list. */
async function listsFixture() {
  const base = await chargingFixture({ balance: 2000 })
  const { tenant, project, rider } = base
  const frozen = await createRider(tenant.id, { status: 'frozen' })
  const stockNo = freshCardNo()
  await stockCards(tenant.id, project.id, [stockNo])
  await owner().table('stations').insert({
    tenant_id: tenant.id,
    project_id: project.id,
    name: '二号站',
    status: 'disabled',
    created_at: new Date(),
    updated_at: new Date(),
  })
  const orderNo = await startedBySwipe(base)
  await owner()
    .from('charging_orders')
    .where('order_no', orderNo)
    .update({ status: 'abnormal', abnormal_reason: 'no_end' })
  // As the watchdog marks it: an order waiting for staff holds nothing (ledger:verify checks it).
  await owner()
    .from('wallet_holds')
    .whereIn('order_id', owner().from('charging_orders').where('order_no', orderNo).select('id'))
    .update({ status: 'released', released_at: new Date(), updated_at: new Date() })
  const now = new Date()
  for (const status of ['pending', 'rejected']) {
    await owner()
      .table('rider_refund_requests')
      .insert({
        tenant_id: tenant.id,
        project_id: project.id,
        rider_id: rider.id,
        amount: status === 'pending' ? 1234 : 500,
        reason: `退款${status}`,
        status,
        created_at: now,
        updated_at: now,
      })
  }
  const settingId = await paymentSetting(tenant.id)
  const runs: number[] = []
  for (const billDate of ['2026-01-01', '2026-01-02']) {
    const [runRow] = await owner()
      .table('reconciliation_runs')
      .insert({
        tenant_id: tenant.id,
        tenant_plugin_id: settingId,
        plugin_id: 'payment-sandbox',
        bill_date: billDate,
        status: 'differences',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
    runs.push(Number(runRow.id))
    await owner()
      .table('reconciliation_differences')
      .insert({
        tenant_id: tenant.id,
        reconciliation_run_id: runRow.id,
        kind: 'amount_mismatch',
        row_kind: 'payment',
        payment_no: `PN${runRow.id}`,
        our_amount: 1000,
        their_amount: 900,
      })
  }
  return { ...base, frozen, stockNo, orderNo, runs }
}

/** One column of the sheet's rows (the header row and the totals row left out), sorted. */
async function columnOf(bytes: unknown, header: string) {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as any)
  const sheet = workbook.worksheets[0]
  const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String)
  if (!headers.includes(header)) throw new Error(`no column ${header} in ${headers.join(',')}`)
  const values: string[] = []
  for (let row = 2; row < sheet.rowCount; row++) {
    values.push(String(sheet.getRow(row).getCell(headers.indexOf(header) + 1).value ?? ''))
  }
  return values.sort()
}

const sorted = (values: unknown[]) => values.map((value) => String(value ?? '')).sort()

/** One column of a query's rows. */
async function pluck(query: PromiseLike<Record<string, unknown>[]>, column: string) {
  const rows = await query
  return rows.map((row) => row[column])
}

/**
 * Each new kind: the page's filter, the column read back, and the values the
 * filter picks in the fixture's tenant (read from the database as the owner).
 */
const CASES: {
  kind: ReportKind
  filters: (fixture: Fixture) => Record<string, unknown>
  header: string
  expected: (fixture: Fixture) => Promise<unknown[]>
}[] = [
  {
    kind: 'riders',
    filters: () => ({ status: 'normal', sortBy: 'name', page: 2 }),
    header: '手机号',
    expected: ({ tenant }) =>
      pluck(owner().from('riders').where({ tenant_id: tenant.id, status: 'normal' }), 'phone'),
  },
  {
    kind: 'cards',
    filters: () => ({ status: 'bound' }),
    header: '卡号',
    expected: async ({ cardNo }) => [cardNo],
  },
  {
    kind: 'cardStock',
    filters: () => ({ status: 'in_stock' }),
    header: '卡号',
    expected: async ({ stockNo }) => [stockNo],
  },
  {
    kind: 'abnormalOrders',
    filters: () => ({ abnormalReason: 'no_end' }),
    header: '订单编号',
    expected: async ({ orderNo }) => [orderNo],
  },
  {
    kind: 'refundRequests',
    filters: () => ({ status: 'pending' }),
    header: '原因',
    expected: async () => ['退款pending'],
  },
  {
    kind: 'reconciliation',
    filters: ({ runs }) => ({ run: runs[0] }),
    header: '支付单号',
    expected: async ({ runs }) => [`PN${runs[0]}`],
  },
  {
    kind: 'operationLogs',
    filters: () => ({ action: 'devices.station_create' }),
    header: '操作类型',
    expected: async ({ tenant }) => {
      const created = await pluck(
        owner()
          .from('audit_logs')
          .where({ tenant_id: tenant.id, kind: 'operation', action: 'devices.station_create' }),
        'id'
      )
      return created.map(() => '新增站点')
    },
  },
  {
    kind: 'loginLogs',
    filters: ({ staff }) => ({ account: staff.account, result: 'success' }),
    header: '管理员账号',
    expected: ({ tenant, staff }) =>
      pluck(
        owner()
          .from('audit_logs')
          .where({ tenant_id: tenant.id, kind: 'login', result: 'success' })
          .where('actor_account', staff.account),
        'actor_account'
      ),
  },
  {
    kind: 'stations',
    filters: () => ({ status: 'active' }),
    header: '名称',
    expected: async () => ['一号站'],
  },
  {
    kind: 'piles',
    filters: ({ deviceKey }) => ({ keyword: deviceKey }),
    header: '名称',
    expected: async () => ['1号桩'],
  },
  {
    kind: 'staff',
    filters: () => ({}),
    header: '账号',
    expected: ({ tenant }) => pluck(owner().from('staff').where('tenant_id', tenant.id), 'account'),
  },
]

test.group('Exports: every list, with its page filters and its own permission', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('each list to xlsx holds the rows its filter picks in this tenant, and opens as pdf', async ({
    assert,
  }) => {
    const fixture = await listsFixture()
    // Another tenant with the same names, stations and kinds of rows: none may appear.
    const other = await listsFixture()
    const browser = await session(fixture)
    for (const { kind, filters, header, expected } of CASES) {
      const want = sorted(await expected(fixture))
      assert.isAbove(want.length, 0, `${kind}: the fixture has rows to export`)
      const { bytes } = await exported(browser, fixture.tenant.id, kind, 'xlsx', filters(fixture))
      assert.deepEqual(await columnOf(bytes, header), want, kind)
      const pdf = await exported(browser, fixture.tenant.id, kind, 'pdf', filters(fixture))
      const text = await pdfText(pdf.bytes)
      assert.include(text, header, `${kind}: the pdf reads`)
      assert.notInclude(text, other.tenant.name, `${kind}: not the other tenant's`)
    }
    const riders = await exported(browser, fixture.tenant.id, 'riders', 'xlsx', {})
    const phones = await columnOf(riders.bytes, '手机号')
    assert.notInclude(phones, other.rider.phone)
    assert.include(phones, fixture.frozen.phone)
  }).timeout(300_000)

  test('each list is refused without its own export permission, and nothing is queued', async ({
    assert,
  }) => {
    const fixture = await createTenantWithStaff()
    // A role that sees every list but may export none of them.
    const [role] = await owner()
      .table('roles')
      .insert({
        tenant_id: fixture.tenant.id,
        name: '只看',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const viewing = BUILTIN_ROLES.super_admin.permissions.filter(
      (permission) => !permission.endsWith('.export')
    )
    await owner()
      .table('role_permissions')
      .multiInsert(
        viewing.map((permission) => ({
          tenant_id: fixture.tenant.id,
          role_id: role.id,
          permission,
        }))
      )
    await owner().from('staff_roles').where('staff_id', fixture.staff.id).delete()
    await owner()
      .table('staff_roles')
      .insert({ tenant_id: fixture.tenant.id, staff_id: fixture.staff.id, role_id: role.id })
    const browser = await session(fixture)
    for (const kind of REPORT_KINDS) {
      const response = await browser.send('POST', `/finance/exports/${kind}`, {
        format: 'xlsx',
        filters: {},
      })
      assert.equal(response.status, 403, kind)
    }
    const queued = await owner().from('exports').where('tenant_id', fixture.tenant.id)
    assert.lengthOf(queued, 0)
    assert.equal(await statusOf(browser.get('/finance/downloads')), 403)
  }).timeout(60_000)

  test('运营 exports 用户管理 without finance.export, and sees only that in 下载中心', async ({
    assert,
  }) => {
    const admin = await chargingFixture()
    const operator = await createTenantWithStaff({ roles: ['operator'] })
    // The operator of the admin's tenant: move the new staff member over.
    await owner().from('staff_roles').where('staff_id', operator.staff.id).delete()
    await owner()
      .from('staff')
      .where('id', operator.staff.id)
      .update({ tenant_id: admin.tenant.id })
    await owner()
      .table('staff_roles')
      .insert({
        tenant_id: admin.tenant.id,
        staff_id: operator.staff.id,
        role_id: admin.roles.get('operator')!.id,
      })
    assert.notInclude(BUILTIN_ROLES.operator.permissions, 'finance.export')

    const finance = await exported(await session(admin), admin.tenant.id, 'payments', 'xlsx', {})
    const browser = await session(operator)
    const { id } = await exported(browser, admin.tenant.id, 'riders', 'xlsx', {
      phone: admin.rider.phone,
    })
    const status = await browser.get(`/finance/exports/${id}`)
    assert.equal(status.status, 200)
    assert.equal(JSON.parse(status.text).kind, 'riders')
    const centre = await browser.get('/finance/downloads')
    assert.equal(centre.status, 200)
    // Another staff member's finance export is not the operator's to see.
    assert.equal(await statusOf(browser.get(`/finance/exports/${finance.id}`)), 404)
    const refused = await browser.send('POST', '/finance/exports/payments', {
      format: 'xlsx',
      filters: {},
    })
    assert.equal(refused.status, 403)
  }).timeout(90_000)

  test("another tenant's export id is a 404 to show, download and retry", async ({ assert }) => {
    const first = await chargingFixture()
    const second = await chargingFixture()
    const { id } = await exported(await session(first), first.tenant.id, 'riders', 'xlsx', {})
    const intruder = await session(second)
    assert.equal(await statusOf(intruder.get(`/finance/exports/${id}`)), 404)
    assert.equal(await statusOf(intruder.download(`/finance/exports/${id}/download`)), 404)
    assert.equal(await statusOf(intruder.send('POST', `/finance/exports/${id}/retry`, {})), 404)
  }).timeout(90_000)
})
