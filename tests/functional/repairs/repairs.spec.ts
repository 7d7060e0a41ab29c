import { test } from '@japa/runner'
import Staff from '#models/staff'
import AccessControlService from '#core/access/access_control_service'
import type { BuiltinRoleKey } from '#core/access/permissions'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  outcome,
  owner,
  HOURLY,
} from '#tests/functional/charging/helpers'
import { deviceRegistry, freshDnyKey } from '#tests/functional/devices/helpers'
import { flashError, portPath, signIn } from '#tests/functional/h5/helpers'

/*
| 报修 over real HTTP: a rider reports a port from the H5, staff handle the
| ticket in 运维 → 报修工单. No global transaction: the checks read what the
| requests committed (owner connection), and each test has tenants of its own.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

const REPAIRS = '/operations/repairs'

/** A rider of the fixture signed in at port `portNo` of its pile: their browser and the port's path. */
async function riderAt(fixture: Fixture, portNo = 1) {
  const browser = new BrowserSession()
  const path = await portPath(fixture, portNo)
  await signIn(browser, fixture, path, fixture.rider.phone)
  return { browser, path }
}

/** 报修 of a port as the H5 form sends it. */
function report(browser: BrowserSession, path: string, input: Record<string, unknown>) {
  return browser.send('POST', `${path}/repair`, input, `${path}/repair`)
}

/** One column of a committed ticket. */
async function ticketField(id: number, column: string) {
  const row = await owner().from('repair_tickets').where('id', id).firstOrFail()
  return row[column]
}

/** The H5 path of a pile's port, by its QR code. */
async function pilePath(pileId: number, portNo: number) {
  const row = await owner().from('piles').where('id', pileId).firstOrFail()
  return `/h5/p/${row.public_code}/${portNo}`
}

/** One prop of a page, as the browser would receive it. */
async function prop(browser: BrowserSession, path: string, name: string) {
  const props = await browser.props(path)
  return props[name]
}

async function statusOf(browser: BrowserSession, path: string) {
  const response = await browser.get(path)
  return response.status
}

function ticketsOf(riderId: number) {
  return owner().from('repair_tickets').where('rider_id', riderId).orderBy('id')
}

let staffSequence = 0
/** Another staff member of the fixture's tenant, with roles and (optionally) limited to projects. */
async function staffMember(
  fixture: Fixture,
  options: { roles: BuiltinRoleKey[]; projectIds?: number[] }
) {
  staffSequence += 1
  const staff = await Staff.create(
    {
      tenantId: fixture.tenant.id,
      account: `repairs_${process.pid}_${staffSequence}`,
      name: `维修员${staffSequence}`,
      password: fixture.password,
      status: 'active',
      mustChangePassword: false,
    },
    { connection: 'owner' }
  )
  const access = new AccessControlService()
  for (const key of options.roles) {
    await access.grantRole(fixture.tenant.id, staff.id, fixture.roles.get(key)!.id, owner())
  }
  for (const projectId of options.projectIds ?? []) {
    await owner()
      .table('staff_projects')
      .insert({ tenant_id: fixture.tenant.id, staff_id: staff.id, project_id: projectId })
  }
  const browser = new BrowserSession()
  await browser.login({ account: staff.account, password: fixture.password })
  return { staff, browser }
}

async function staffBrowser(fixture: Fixture) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

/** A second project of the fixture's tenant with a station and a 2-port pile. */
async function secondProject(fixture: Fixture) {
  const [project] = await owner()
    .table('projects')
    .insert({
      tenant_id: fixture.tenant.id,
      code: `p2_${fixture.tenant.id}`,
      name: `二号项目${fixture.tenant.id}`,
      status: 'active',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  await owner()
    .table('tariffs')
    .insert({
      tenant_id: fixture.tenant.id,
      project_id: project.id,
      version: 1,
      rules: JSON.stringify(HOURLY),
      created_at: new Date(),
    })
  const registry = deviceRegistry(fixture.asAdmin)
  const station = await registry.stations.create({
    projectId: project.id,
    name: '二号站',
    status: 'active',
  })
  const pile = await registry.piles.create({
    stationId: station.id,
    vendorId: fixture.vendor.id,
    deviceKey: freshDnyKey(),
    name: '2号桩',
    portCount: 2,
  })
  return { projectId: Number(project.id), pile }
}

async function auditActions(tenantId: number, prefix: string) {
  const rows = await owner()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', `${prefix}%`)
    .orderBy('id')
    .select('action', 'actor_account')
  return rows
}

test.group('报修: the rider reports from the H5', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a signed-in rider reports a port and finds it under 我的报修', async ({ assert }) => {
    const fixture = await chargingFixture()
    const { browser, path } = await riderAt(fixture, 2)

    const form = await browser.get(`${path}/repair`)
    assert.equal(form.page!.component, 'h5/repair')
    assert.deepEqual(form.page!.props.categories, [
      'no_charge',
      'socket_damaged',
      'slow_charge',
      'scan_failed',
      'other',
    ])
    const sent = await report(browser, path, {
      category: 'socket_damaged',
      description: '插座烧黑了',
    })
    assert.equal(sent.status, 302)
    assert.equal(sent.location, '/h5/repairs')

    const mine = await browser.props('/h5/repairs')
    assert.equal(mine.flash.success, '报修已提交，工作人员会尽快处理')
    assert.lengthOf(mine.tickets, 1)
    assert.deepInclude(mine.tickets[0], {
      stationName: '一号站',
      pileName: '1号桩',
      portNo: 2,
      category: 'socket_damaged',
      description: '插座烧黑了',
      status: 'open',
      closeNote: null,
    })
    const [row] = await ticketsOf(fixture.rider.id)
    assert.deepInclude(row, {
      tenant_id: fixture.tenant.id,
      project_id: fixture.project.id,
      pile_id: fixture.pile.id,
      port_no: 2,
      status: 'open',
    })
    const audits = await auditActions(fixture.tenant.id, 'repairs.')
    assert.deepEqual(audits, [{ action: 'repairs.report', actor_account: fixture.rider.phone }])
  })

  test('a second report of one port and a sixth open report are refused, changing nothing', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const other = await secondProject(fixture)
    const { browser, path } = await riderAt(fixture, 1)

    await report(browser, path, { category: 'no_charge' })
    await report(browser, path, { category: 'other', description: '还是不行' })
    assert.equal(await flashError(browser, `${path}/repair`), '您已报修过此端口，工作人员正在处理')
    assert.lengthOf(await ticketsOf(fixture.rider.id), 1)

    // Four more ports: five open in all, the most a rider may have.
    for (const portNo of [2, 3, 4]) {
      await report(browser, await portPath(fixture, portNo), { category: 'no_charge' })
    }
    await report(browser, await pilePath(other.pile.id, 1), { category: 'slow_charge' })
    assert.lengthOf(await ticketsOf(fixture.rider.id), 5)

    await report(browser, await pilePath(other.pile.id, 2), { category: 'slow_charge' })
    assert.equal(
      await flashError(browser, `${await pilePath(other.pile.id, 2)}/repair`),
      '您已有 5 条未处理完的报修，请等待处理后再报'
    )
    assert.lengthOf(await ticketsOf(fixture.rider.id), 5)

    // Once one is closed, the rider may report again.
    const [first] = await ticketsOf(fixture.rider.id)
    const staff = await staffBrowser(fixture)
    await staff.send('POST', `${REPAIRS}/${first.id}/close`, { note: '已更换插座' }, REPAIRS)
    await report(browser, await pilePath(other.pile.id, 2), { category: 'slow_charge' })
    assert.lengthOf(await ticketsOf(fixture.rider.id), 6)
  })

  test('bad input, signed-out riders and another tenant’s pile are refused, changing nothing', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const away = await chargingFixture()
    const { browser, path } = await riderAt(fixture)

    for (const input of [
      { category: 'exploded' },
      {},
      { category: 'other', description: '长'.repeat(201) },
      { category: ['other'] },
    ]) {
      const answer = await report(browser, path, input)
      assert.equal(answer.status, 302, JSON.stringify(input))
      const { errors } = await browser.props(`${path}/repair`)
      assert.isNotEmpty(errors, JSON.stringify(input))
    }
    const unknownPort = await report(browser, `${path.slice(0, -2)}/9`, { category: 'other' })
    assert.equal(unknownPort.status, 404)

    // The session speaks for its own tenant only.
    const awayPath = await portPath(away)
    const awayForm = await browser.get(`${awayPath}/repair`)
    assert.equal(awayForm.status, 401)
    await report(browser, awayPath, { category: 'other' })
    assert.equal(await flashError(browser, awayPath), '请在本充电桩重新登录')

    const stranger = new BrowserSession()
    await stranger.get(path)
    const signedOut = await report(stranger, path, { category: 'other' })
    assert.equal(signedOut.status, 401)
    assert.equal(await statusOf(stranger, '/h5/repairs'), 401)

    const rows = await owner()
      .from('repair_tickets')
      .whereIn('tenant_id', [fixture.tenant.id, away.tenant.id])
    assert.lengthOf(rows, 0)
  })
})

test.group('报修: staff handle the tickets in 运维 → 报修工单', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff list, assign and close a ticket; the rider sees 已关闭 with the note', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const { browser: rider, path } = await riderAt(fixture, 3)
    await report(rider, path, { category: 'no_charge', description: '插上没反应' })
    const mechanic = await staffMember(fixture, { roles: ['maintenance'] })
    // Neither may take it: one lacks the permission, the other is disabled.
    const clerk = await staffMember(fixture, { roles: ['operator'] })
    const gone = await staffMember(fixture, { roles: ['maintenance'] })
    await owner().from('staff').where('id', gone.staff.id).update({ status: 'disabled' })

    const staff = await staffBrowser(fixture)
    const page = await staff.get(REPAIRS)
    assert.equal(page.page!.component, 'operations/repairs')
    const { tickets, pagination, pileOptions, assigneeOptions } = page.page!.props
    assert.equal(pagination.total, 1)
    assert.deepInclude(tickets[0], {
      pileName: '1号桩',
      portNo: 3,
      portStatus: 'active',
      riderPhone: fixture.rider.phone,
      category: 'no_charge',
      description: '插上没反应',
      status: 'open',
      assigneeName: null,
    })
    assert.deepEqual(pileOptions, [{ id: fixture.pile.id, name: '1号桩' }])
    const assignable = assigneeOptions.map((option: { id: number }) => option.id)
    assert.includeMembers(assignable, [fixture.staff.id, mechanic.staff.id])
    assert.notInclude(assignable, clerk.staff.id)
    assert.notInclude(assignable, gone.staff.id)
    const id = tickets[0].id

    for (const staffId of [clerk.staff.id, gone.staff.id, 999_999_999]) {
      await staff.send('POST', `${REPAIRS}/${id}/assign`, { staffId }, REPAIRS)
      assert.equal(await flashError(staff, REPAIRS), '该管理员不能处理此项目的报修')
    }
    assert.equal(await ticketField(id, 'status'), 'open')

    await staff.send('POST', `${REPAIRS}/${id}/assign`, { staffId: mechanic.staff.id }, REPAIRS)
    const assigned = await staff.props(`${REPAIRS}?status=in_progress`)
    assert.deepInclude(assigned.tickets[0], {
      id,
      status: 'in_progress',
      assigneeId: mechanic.staff.id,
      assigneeName: mechanic.staff.name,
    })
    assert.lengthOf(await prop(staff, `${REPAIRS}?status=open`, 'tickets'), 0)
    const [followed] = await prop(rider, '/h5/repairs', 'tickets')
    assert.equal(followed.status, 'in_progress')

    // The mechanic closes it; a note is required, and a closed ticket stays closed.
    await mechanic.browser.send('POST', `${REPAIRS}/${id}/close`, { note: ' ' }, REPAIRS)
    assert.equal(await ticketField(id, 'status'), 'in_progress')
    await mechanic.browser.send('POST', `${REPAIRS}/${id}/close`, { note: '已更换插座' }, REPAIRS)
    const row = await owner().from('repair_tickets').where('id', id).first()
    assert.deepInclude(row, {
      status: 'closed',
      close_note: '已更换插座',
      closed_by_staff_id: mechanic.staff.id,
      assignee_staff_id: mechanic.staff.id,
    })
    await staff.send('POST', `${REPAIRS}/${id}/assign`, { staffId: fixture.staff.id }, REPAIRS)
    assert.equal(await flashError(staff, REPAIRS), '该工单已关闭')
    await staff.send('POST', `${REPAIRS}/${id}/close`, { note: '再关一次' }, REPAIRS)
    assert.equal(await ticketField(id, 'close_note'), '已更换插座')

    const [shown] = await prop(rider, '/h5/repairs', 'tickets')
    assert.deepInclude(shown, { status: 'closed', closeNote: '已更换插座' })
    const audits = await auditActions(fixture.tenant.id, 'repairs.')
    assert.deepEqual(
      audits.map((audit) => audit.action),
      ['repairs.report', 'repairs.assign', 'repairs.close']
    )
    assert.equal(audits[2].actor_account, mechanic.staff.account)
  })

  test('停用端口 from the ticket: the port refuses the H5, staff and card starts until 恢复端口', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const { browser: rider, path } = await riderAt(fixture, 1)
    await report(rider, path, { category: 'no_charge' })
    const [ticket] = await ticketsOf(fixture.rider.id)
    const staff = await staffBrowser(fixture)

    await staff.send('POST', `${REPAIRS}/${ticket.id}/port`, { status: 'disabled' }, REPAIRS)
    const listed = await staff.props(REPAIRS)
    assert.equal(listed.tickets[0].portStatus, 'disabled')
    assert.equal(listed.flash.success, '端口已停用')
    await staff.send('POST', `${REPAIRS}/${ticket.id}/port`, { status: 'disabled' }, REPAIRS)
    assert.equal(await flashError(staff, REPAIRS), '该端口已停用')
    // 设备管理 shows it on the pile's page too.
    const ports: { portNo: number; status: string }[] = await prop(
      staff,
      `/operations/piles/${fixture.pile.id}`,
      'ports'
    )
    assert.deepEqual(
      ports.map((shown) => [shown.portNo, shown.status]),
      [
        [1, 'disabled'],
        [2, 'active'],
        [3, 'active'],
        [4, 'active'],
      ]
    )

    // The rider's page says so, and a start is refused with the reason.
    const { port } = await rider.props(path)
    assert.isFalse(port.portActive)
    await rider.send('POST', `${path}/start`, { durationType: 'full' }, path)
    assert.equal(await flashError(rider, path), '端口已停用，请换一个端口充电')
    const start = (portNo: number) =>
      outcome(
        charging.remote.startRemote(fixture.asAdmin, {
          pileId: fixture.pile.id,
          portNo,
          riderId: fixture.rider.id,
          durationType: { kind: 'full' },
          channel: 'staff',
        })
      )
    assert.equal(await start(1), 'portDisabled')
    const swipe = await charging.starts.authorizeCard(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      cardNo: fixture.cardNo,
      at: new Date(),
    })
    assert.deepEqual(swipe, { authorised: false, reason: 'port_busy' })
    assert.lengthOf(await owner().from('charging_orders').where('pile_id', fixture.pile.id), 0)
    assert.lengthOf(await owner().from('device_commands').where('pile_id', fixture.pile.id), 0)

    // The other ports of the pile still charge; the port itself again once back in service.
    assert.equal(await start(2), 'ok')
    await staff.send('POST', `${REPAIRS}/${ticket.id}/close`, { note: '已修好' }, REPAIRS)
    await staff.send('POST', `${REPAIRS}/${ticket.id}/port`, { status: 'active' }, REPAIRS)
    const restored = await prop(rider, path, 'port')
    assert.isTrue(restored.portActive)
    assert.equal(await start(1), 'ok')

    const audits = await owner()
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereIn('action', ['devices.port_disable', 'devices.port_enable'])
      .orderBy('id')
    assert.deepEqual(
      audits.map((audit) => [audit.action, audit.actor_account, Number(audit.target_id)]),
      [
        ['devices.port_disable', fixture.staff.account, fixture.pile.id],
        ['devices.port_enable', fixture.staff.account, fixture.pile.id],
      ]
    )
  })

  test('another tenant’s staff get 404 on every ticket route, and nothing changes', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const { browser: rider, path } = await riderAt(fixture)
    await report(rider, path, { category: 'other' })
    const [ticket] = await ticketsOf(fixture.rider.id)
    const attacker = await chargingFixture()
    const browser = await staffBrowser(attacker)

    assert.lengthOf(await prop(browser, REPAIRS, 'tickets'), 0)
    const attempts: [string, Record<string, unknown>][] = [
      ['assign', { staffId: attacker.staff.id }],
      ['assign', { staffId: fixture.staff.id }],
      ['close', { note: '别家关闭' }],
      ['port', { status: 'disabled' }],
    ]
    for (const [action, body] of attempts) {
      const answer = await browser.send('POST', `${REPAIRS}/${ticket.id}/${action}`, body, REPAIRS)
      assert.equal(answer.status, 404, action)
    }
    const row = await owner().from('repair_tickets').where('id', ticket.id).first()
    assert.deepInclude(row, { status: 'open', assignee_staff_id: null, close_note: null })
    const port = await owner()
      .from('pile_ports')
      .where({ pile_id: fixture.pile.id, port_no: 1 })
      .first()
    assert.equal(port.status, 'active')
  })

  test('staff limited to a project see and handle only its tickets', async ({ assert }) => {
    const fixture = await chargingFixture()
    const other = await secondProject(fixture)
    const { browser: rider, path } = await riderAt(fixture)
    await report(rider, path, { category: 'other' })
    await report(rider, await pilePath(other.pile.id, 1), { category: 'no_charge' })
    const [mine, theirs] = await ticketsOf(fixture.rider.id)
    assert.equal(theirs.project_id, other.projectId)

    const limited = await staffMember(fixture, {
      roles: ['maintenance'],
      projectIds: [fixture.project.id],
    })
    const elsewhere = await staffMember(fixture, {
      roles: ['maintenance'],
      projectIds: [other.projectId],
    })
    const props = await limited.browser.props(REPAIRS)
    assert.deepEqual(
      props.tickets.map((ticket: { id: number }) => ticket.id),
      [mine.id]
    )
    assert.deepEqual(props.pileOptions, [{ id: fixture.pile.id, name: '1号桩' }])
    const assignable = props.assigneeOptions.map((option: { id: number }) => option.id)
    assert.include(assignable, limited.staff.id)
    assert.notInclude(assignable, elsewhere.staff.id)
    const filtered = await limited.browser.props(`${REPAIRS}?projectId=${other.projectId}`)
    assert.lengthOf(filtered.tickets, 0)

    for (const [action, body] of [
      ['assign', { staffId: limited.staff.id }],
      ['close', { note: '不归我管' }],
      ['port', { status: 'disabled' }],
    ] as const) {
      const answer = await limited.browser.send(
        'POST',
        `${REPAIRS}/${theirs.id}/${action}`,
        body,
        REPAIRS
      )
      assert.equal(answer.status, 404, action)
    }
    // A ticket of their project goes to nobody limited to another project.
    await limited.browser.send(
      'POST',
      `${REPAIRS}/${mine.id}/assign`,
      { staffId: elsewhere.staff.id },
      REPAIRS
    )
    assert.equal(await flashError(limited.browser, REPAIRS), '该管理员不能处理此项目的报修')
    const rows = await ticketsOf(fixture.rider.id)
    assert.deepEqual(
      rows.map((row) => [row.status, row.assignee_staff_id]),
      [
        ['open', null],
        ['open', null],
      ]
    )
  })

  test('staff without repairs.manage are refused, and the menu leaves 报修工单 out', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const { browser: rider, path } = await riderAt(fixture)
    await report(rider, path, { category: 'other' })
    const [ticket] = await ticketsOf(fixture.rider.id)
    const clerk = await staffMember(fixture, { roles: ['operator', 'finance', 'support'] })

    assert.equal(await statusOf(clerk.browser, REPAIRS), 403)
    for (const [action, body] of [
      ['assign', { staffId: clerk.staff.id }],
      ['close', { note: '无权关闭' }],
      ['port', { status: 'disabled' }],
    ] as const) {
      const answer = await clerk.browser.send(
        'POST',
        `${REPAIRS}/${ticket.id}/${action}`,
        body,
        '/'
      )
      assert.equal(answer.status, 403, action)
    }
    const home = await clerk.browser.props('/')
    const operations = home.navigation.find(
      (section: { key: string }) => section.key === 'operations'
    )
    assert.isUndefined(operations)
    const row = await owner().from('repair_tickets').where('id', ticket.id).first()
    assert.equal(row.status, 'open')

    const mechanic = await staffMember(fixture, { roles: ['maintenance'] })
    const navigation = await prop(mechanic.browser, '/', 'navigation')
    const menu = navigation.find((section: { key: string }) => section.key === 'operations')
    assert.include(
      menu.items.map((item: { key: string }) => item.key),
      'repairs'
    )
    assert.equal(await statusOf(mechanic.browser, REPAIRS), 200)
  })
})
