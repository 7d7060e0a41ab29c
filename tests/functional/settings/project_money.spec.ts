import { test } from '@japa/runner'
import type { BuiltinRoleKey } from '#core/access/permissions'
import type { TimeTariff } from '#core/billing/tariff'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { portPath, signIn } from '#tests/functional/h5/helpers'
import {
  HOURLY,
  charging,
  chargingFixture,
  endRecord,
  orderRow,
  owner,
  realBalance,
  settlementsOf,
  startSeen,
} from '#tests/functional/charging/helpers'

/*
| 配置 → 项目管理 sets a project's wallet rules (透支额度, 扣款顺序, 单次充值上限),
| validated and audited, and the wallet honours them: a charge may take the
| real balance below zero down to the overdraft limit, and the ledger,
| 用户管理 and the rider's H5 show the negative balance as the manual does
| (¥-1.96). Committed data, read through the owner connection.
*/

const PAGE = '/settings/projects'

async function signedIn(roles: BuiltinRoleKey[]) {
  const base = await createTenantWithStaff({ roles })
  const browser = new BrowserSession()
  await browser.login({ account: base.staff.account, password: base.password })
  return { ...base, browser }
}

function projectOf(id: number) {
  return owner()
    .from('projects')
    .where('id', id)
    .select('name', 'overdraft_limit', 'deduction_order', 'topup_max')
    .firstOrFail()
}

function moneyAudits(tenantId: number) {
  return owner()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', 'projects.%')
    .orderBy('chain_seq')
}

test.group('项目管理: the wallet rules of a project', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an admin sets 透支额度, 扣款顺序 and 单次充值上限; the page lists them and the audit keeps old and new', async ({
    assert,
  }) => {
    const { browser, project, tenant } = await signedIn(['super_admin'])
    const saved = await browser.send(
      'PUT',
      `${PAGE}/${project.id}`,
      {
        code: project.code,
        name: project.name,
        status: 'active',
        overdraftLimit: 200,
        deductionOrder: 'real_first',
        topupMax: 100_000,
      },
      PAGE
    )
    assert.equal(saved.status, 302)
    assert.deepInclude(await projectOf(project.id), {
      overdraft_limit: 200,
      deduction_order: 'real_first',
      topup_max: 100_000,
    })
    const { projects } = await browser.props(PAGE)
    assert.deepInclude(projects[0], {
      overdraftLimit: 200,
      deductionOrder: 'real_first',
      topupMax: 100_000,
    })

    const [audit] = await moneyAudits(tenant.id)
    assert.equal(audit.action, 'projects.update')
    assert.deepInclude(audit.before, {
      overdraftLimit: 0,
      deductionOrder: 'bonus_first',
      topupMax: 500_000,
    })
    assert.deepInclude(audit.after, {
      overdraftLimit: 200,
      deductionOrder: 'real_first',
      topupMax: 100_000,
    })

    // A form that leaves the rules out (the card fee's own edit) keeps them.
    await browser.send(
      'PUT',
      `${PAGE}/${project.id}`,
      { code: project.code, name: `${project.name}改`, status: 'active' },
      PAGE
    )
    assert.deepInclude(await projectOf(project.id), {
      name: `${project.name}改`,
      overdraft_limit: 200,
      deduction_order: 'real_first',
    })

    // A new project takes the rules it is given, audited at creation.
    await browser.send(
      'POST',
      PAGE,
      { code: `money_${tenant.id}`, name: '新项目', overdraftLimit: 150, topupMax: 20_000 },
      PAGE
    )
    const created = await owner()
      .from('projects')
      .where({ tenant_id: tenant.id, code: `money_${tenant.id}` })
      .firstOrFail()
    assert.deepInclude(created, {
      overdraft_limit: 150,
      deduction_order: 'bonus_first',
      topup_max: 20_000,
    })
    const audits = await moneyAudits(tenant.id)
    const actions = audits.map((row) => row.action)
    assert.deepEqual(actions, ['projects.update', 'projects.update', 'projects.create'])
  })

  test('values out of range, fractional fen, strings and unknown orders are refused and change nothing', async ({
    assert,
  }) => {
    const { browser, project, tenant } = await signedIn(['super_admin'])
    const before = await projectOf(project.id)
    const base = { code: project.code, name: project.name, status: 'active' }
    const refused: [Record<string, unknown>, string][] = [
      [{ overdraftLimit: -1 }, 'overdraftLimit'],
      [{ overdraftLimit: 100_001 }, 'overdraftLimit'],
      [{ overdraftLimit: 1.5 }, 'overdraftLimit'],
      [{ overdraftLimit: '200' }, 'overdraftLimit'],
      [{ deductionOrder: 'newest_first' }, 'deductionOrder'],
      [{ topupMax: 0 }, 'topupMax'],
      [{ topupMax: 100_000_001 }, 'topupMax'],
    ]
    for (const [body, field] of refused) {
      await browser.send('PUT', `${PAGE}/${project.id}`, { ...base, ...body }, PAGE)
      const { errors } = await browser.props(PAGE)
      assert.exists(errors?.[field], `${JSON.stringify(body)} was not refused`)
    }
    await browser.send('PUT', `${PAGE}/${project.id}`, { ...base, overdraftLimit: 100_001 }, PAGE)
    const { errors } = await browser.props(PAGE)
    assert.equal(errors.overdraftLimit, '透支额度最多 1000 元')
    assert.deepEqual(await projectOf(project.id), before)
    assert.lengthOf(await moneyAudits(tenant.id), 0)
  })

  test('staff without settings.manage get 403; another tenant’s project answers 404; nothing changes', async ({
    assert,
  }) => {
    const operator = await signedIn(['operator'])
    const body = (project: { code: string; name: string }) => ({
      code: project.code,
      name: project.name,
      status: 'active',
      overdraftLimit: 10_000,
    })
    const page = await operator.browser.get(PAGE)
    assert.equal(page.status, 403)
    const put = await operator.browser.send(
      'PUT',
      `${PAGE}/${operator.project.id}`,
      body(operator.project)
    )
    assert.equal(put.status, 403)
    assert.deepInclude(await projectOf(operator.project.id), { overdraft_limit: 0 })

    const admin = await signedIn(['super_admin'])
    const foreign = await admin.browser.send(
      'PUT',
      `${PAGE}/${operator.project.id}`,
      body(operator.project)
    )
    assert.equal(foreign.status, 404)
    assert.deepInclude(await projectOf(operator.project.id), { overdraft_limit: 0 })
  })
})

test.group('透支: a balance goes negative within the project’s overdraft', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a charge beyond the balance leaves ¥-1.96 to the fen, within the limit, in the ledger, 用户管理 and the H5; ledger verified', async ({
    assert,
  }) => {
    // 0.60 元 an hour: one fen a minute, so 296 minutes bill ¥2.96 against ¥1.00.
    const fixture = await chargingFixture({
      balance: 100,
      tariff: { ...(HOURLY as TimeTariff), bands: [{ upToWatts: 1000, hours: 1, priceFen: 60 }] },
    })
    const admin = new BrowserSession()
    await admin.login({ account: fixture.staff.account, password: fixture.password })
    const start = (portNo: number) =>
      admin.send(
        'POST',
        `/operations/piles/${fixture.pile.id}/ports/${portNo}/start`,
        { payer: 'phone', phone: fixture.rider.phone, reason: '用户电话求助' },
        `/operations/piles/${fixture.pile.id}`
      )

    // 透支额度 ¥2.00, set on the screen: 充满自停 is capped at ¥1.00 + ¥2.00.
    await admin.send(
      'PUT',
      `/settings/projects/${fixture.project.id}`,
      {
        code: fixture.project.code,
        name: fixture.project.name,
        status: 'active',
        overdraftLimit: 200,
      },
      '/settings/projects'
    )
    assert.deepInclude(await start(1), { status: 302 })
    const order = await owner()
      .from('charging_orders')
      .where({ pile_id: fixture.pile.id, channel: 'staff' })
      .firstOrFail()
    assert.equal(order.rider_id, fixture.rider.id)
    assert.equal(order.cap_fen, 300)

    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo: order.order_no,
      at: new Date(Date.now() - 296 * 60_000),
    })
    await startSeen(order.order_no, 296 * 60)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, order.order_no, { minutes: 296, watts: 100 })
    )
    assert.deepInclude(await orderRow(order.order_no), { status: 'settled' })
    const [settlement] = await settlementsOf(order.order_no)
    assert.deepEqual(settlement, { real_out: 296, bonus_out: 0, real_after: -196 })
    assert.equal(await realBalance(fixture.rider.id), -196)

    // 账户流水 and 用户管理 carry the negative balance (the pages show it as ¥-1.96).
    const ledger = await admin.props(`/riders/ledger?phone=${fixture.rider.phone}`)
    const row = ledger.rows.find((entry: { entryNo: string }) => entry.entryNo === order.order_no)
    assert.equal(row.realAfter, -196)
    const riders = await admin.props(`/riders?phone=${fixture.rider.phone}`)
    assert.equal(riders.riders[0].realBalance, -196)

    // The rider's H5 shows it too.
    const rider = new BrowserSession()
    const path = await portPath(fixture, 2)
    await signIn(rider, fixture, path, fixture.rider.phone)
    const h5 = await rider.props(path)
    assert.equal(h5.me.realBalance, -196)

    // ¥0.04 is left above the limit: the next start is capped at it, never beyond -¥2.00.
    assert.deepInclude(await start(2), { status: 302 })
    const second = await owner()
      .from('charging_orders')
      .where({ pile_id: fixture.pile.id, port_no: 2, channel: 'staff' })
      .firstOrFail()
    assert.equal(second.cap_fen, 4)

    const verified = await runLedgerVerify()
    assert.equal(verified.code, 0, verified.output)
  }).timeout(60_000)
})
