import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import Project from '#models/project'
import WalletService from '#core/wallet/wallet_service'
import { createRider } from '#tests/functional/cards/helpers'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { deviceRegistry } from '#tests/functional/devices/helpers'

/*
| 数据 against a known fixture: orders written straight through the owner
| connection with chosen Shanghai times, so every figure is known. No
| global transaction: the page reads what committed.
*/

let sequence = 0

/** A JUY module IMEI (15 digits) no other test of this run uses. */
function freshJuyKey() {
  sequence += 1
  return `86${String(process.pid % 1000000).padStart(6, '0')}${String(sequence).padStart(7, '0')}`
}

/** A Shanghai wall-clock time ("2025-03-10 08:00") as a Date. */
const shanghai = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`)

async function statisticsFixture() {
  const base = await chargingFixture({ roles: ['super_admin'] })
  const second = await Project.create(
    {
      tenantId: base.tenant.id,
      code: `data_${randomUUID().slice(0, 8)}`,
      name: `二期${base.tenant.id}`,
      status: 'active',
    },
    { connection: 'owner' }
  )
  const registry = deviceRegistry(base.asAdmin)
  const vendor = await registry.vendors.create({ name: '兴科', pluginId: 'vendor-juy' })
  const station = await registry.stations.create({
    projectId: second.id,
    name: '二号站',
    status: 'active',
  })
  const pile = await registry.piles.create({
    stationId: station.id,
    vendorId: vendor.id,
    deviceKey: freshJuyKey(),
    name: '2号桩',
    portCount: 2,
  })
  // Registered long before the range: every day of it offers whole port-days.
  await owner()
    .from('piles')
    .whereIn('id', [base.pile.id, pile.id])
    .update({ created_at: shanghai('2025-03-01 00:00') })

  const places = {
    first: { project: base.project, station: base.station, vendor: base.vendor, pile: base.pile },
    second: { project: second, station, vendor, pile },
  }
  async function order(
    where: keyof typeof places,
    values: {
      status: 'settled' | 'refunded' | 'cancelled'
      createdAt: string
      endedAt?: string
      amountFen?: number
      energyWh?: number
    }
  ) {
    sequence += 1
    const place = places[where]
    const createdAt = shanghai(values.createdAt)
    const endedAt = values.endedAt ? shanghai(values.endedAt) : null
    const started = values.status !== 'cancelled'
    await owner()
      .table('charging_orders')
      .insert({
        tenant_id: base.tenant.id,
        order_no: `ST${String(process.pid % 100000).padStart(5, '0')}${String(sequence).padStart(9, '0')}`,
        project_id: place.project.id,
        station_id: place.station.id,
        pile_id: place.pile.id,
        port_no: 1,
        vendor_id: place.vendor.id,
        vendor_name: place.vendor.name,
        device_key: 'fixture',
        rider_id: base.rider.id,
        channel: 'card',
        duration_type: 'full',
        tariff: JSON.stringify({}),
        status: values.status,
        started_at: started ? createdAt : null,
        ended_at: endedAt,
        max_duration_seconds: 8 * 3600,
        duration_seconds: endedAt ? (endedAt.getTime() - createdAt.getTime()) / 1000 : 0,
        energy_wh: values.energyWh ?? 0,
        amount_fen: values.amountFen ?? 0,
        created_at: createdAt,
        updated_at: createdAt,
      })
  }

  // Before the range: never counted.
  await order('first', {
    status: 'settled',
    createdAt: '2025-03-09 23:59',
    endedAt: '2025-03-09 23:59',
    amountFen: 999,
    energyWh: 999,
  })
  await order('first', {
    status: 'settled',
    createdAt: '2025-03-10 08:00',
    endedAt: '2025-03-10 09:00',
    amountFen: 300,
    energyWh: 150,
  })
  // Across midnight: half its minutes on each day, its money on the day it was placed.
  await order('first', {
    status: 'settled',
    createdAt: '2025-03-10 23:30',
    endedAt: '2025-03-11 00:30',
    amountFen: 200,
    energyWh: 100,
  })
  await order('second', {
    status: 'settled',
    createdAt: '2025-03-11 10:15',
    endedAt: '2025-03-11 10:45',
    amountFen: 150,
    energyWh: 80,
  })
  // Refunded: an order that charged, with no revenue left.
  await order('first', {
    status: 'refunded',
    createdAt: '2025-03-11 12:00',
    endedAt: '2025-03-11 12:10',
    amountFen: 500,
    energyWh: 50,
  })
  await order('first', { status: 'cancelled', createdAt: '2025-03-12 09:00' })

  // Two riders registered on 3-11: one has money in the second project, one nowhere.
  const withMoney = await createRider(base.tenant.id)
  const without = await createRider(base.tenant.id)
  await owner()
    .from('riders')
    .whereIn('id', [withMoney.id, without.id])
    .update({ registered_at: shanghai('2025-03-11 09:00') })
  await new WalletService().topUpCash(base.asAdmin, {
    riderId: withMoney.id,
    projectId: second.id,
    realAmount: 100,
    idempotencyKey: `statistics:${withMoney.id}`,
  })

  async function session() {
    const browser = new BrowserSession()
    await browser.login({ account: base.staff.account, password: base.password })
    return browser
  }
  return { ...base, second: places.second, session }
}

const RANGE = 'from=2025-03-10&to=2025-03-12'
const pick = (rows: Record<string, unknown>[], keys: string[]) =>
  rows.map((row) => Object.fromEntries(keys.map((key) => [key, row[key]])))

test.group('数据', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('aggregates orders, revenue, energy, utilisation, riders and peak hours per Shanghai day', async ({
    assert,
  }) => {
    const fixture = await statisticsFixture()
    const browser = await fixture.session()
    const { statistics } = await browser.props(`/data?${RANGE}`)

    assert.deepEqual(statistics.daily, [
      {
        day: '2025-03-10',
        orders: 2,
        revenueFen: 500,
        energyWh: 250,
        chargingMinutes: 90,
        portMinutes: 6 * 1440,
        utilisation: 0.0104,
        newRiders: 0,
      },
      {
        day: '2025-03-11',
        orders: 2,
        revenueFen: 150,
        energyWh: 130,
        chargingMinutes: 30 + 30 + 10,
        portMinutes: 6 * 1440,
        utilisation: 0.0081,
        newRiders: 2,
      },
      {
        day: '2025-03-12',
        orders: 0,
        revenueFen: 0,
        energyWh: 0,
        chargingMinutes: 0,
        portMinutes: 6 * 1440,
        utilisation: 0,
        newRiders: 0,
      },
    ])
    const keys = ['name', 'orders', 'revenueFen', 'energyWh']
    assert.deepEqual(pick(statistics.byProject, keys), [
      { name: fixture.project.name, orders: 3, revenueFen: 500, energyWh: 300 },
      { name: fixture.second.project.name, orders: 1, revenueFen: 150, energyWh: 80 },
    ])
    assert.deepEqual(pick(statistics.byVendor, keys), [
      { name: '科爵', orders: 3, revenueFen: 500, energyWh: 300 },
      { name: '兴科', orders: 1, revenueFen: 150, energyWh: 80 },
    ])
    assert.deepEqual(pick(statistics.topStations, ['name', 'revenueFen']), [
      { name: '一号站', revenueFen: 500 },
      { name: '二号站', revenueFen: 150 },
    ])
    const busyHours = statistics.peakHours.filter((hour: { orders: number }) => hour.orders > 0)
    assert.deepEqual(busyHours, [
      { hour: 8, orders: 1 },
      { hour: 10, orders: 1 },
      { hour: 12, orders: 1 },
      { hour: 23, orders: 1 },
    ])
    assert.lengthOf(statistics.peakHours, 24)

    // Filters: a vendor narrows orders and ports alike.
    const juy = await browser.props(`/data?${RANGE}&vendorId=${fixture.second.vendor.id}`)
    assert.deepEqual(
      pick(juy.statistics.daily, ['orders', 'revenueFen', 'chargingMinutes', 'portMinutes']),
      [
        { orders: 0, revenueFen: 0, chargingMinutes: 0, portMinutes: 2 * 1440 },
        { orders: 1, revenueFen: 150, chargingMinutes: 30, portMinutes: 2 * 1440 },
        { orders: 0, revenueFen: 0, chargingMinutes: 0, portMinutes: 2 * 1440 },
      ]
    )
  })

  test('staff limited to a project see only its figures, whatever they filter', async ({
    assert,
  }) => {
    const fixture = await statisticsFixture()
    await owner().table('staff_projects').insert({
      staff_id: fixture.staff.id,
      project_id: fixture.second.project.id,
      tenant_id: fixture.tenant.id,
    })
    const browser = await fixture.session()
    const props = await browser.props(`/data?${RANGE}`)
    assert.deepEqual(
      pick(props.statistics.daily, ['orders', 'revenueFen', 'portMinutes', 'newRiders']),
      [
        { orders: 0, revenueFen: 0, portMinutes: 2 * 1440, newRiders: 0 },
        { orders: 1, revenueFen: 150, portMinutes: 2 * 1440, newRiders: 1 },
        { orders: 0, revenueFen: 0, portMinutes: 2 * 1440, newRiders: 0 },
      ]
    )
    assert.deepEqual(
      props.statistics.byProject.map((row: { id: number }) => row.id),
      [fixture.second.project.id]
    )
    assert.deepEqual(
      props.filterOptions.projects.map((row: { id: number }) => row.id),
      [fixture.second.project.id]
    )

    // Asking for the other project shows nothing of it.
    const other = await browser.props(`/data?${RANGE}&projectId=${fixture.project.id}`)
    const totals = other.statistics.daily.reduce(
      (sum: number, day: { orders: number; portMinutes: number; newRiders: number }) =>
        sum + day.orders + day.portMinutes + day.newRiders,
      0
    )
    assert.equal(totals, 0)
    assert.deepEqual(other.statistics.byProject, [])
  })

  test('staff without data.view are refused; a range over 366 days is refused', async ({
    assert,
  }) => {
    const refused = await chargingFixture({ roles: ['support'] })
    const clerk = new BrowserSession()
    await clerk.login({ account: refused.staff.account, password: refused.password })
    const forbidden = await clerk.get('/data')
    assert.equal(forbidden.status, 403)

    const fixture = await chargingFixture({ roles: ['finance'] })
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })
    const year = await browser.props('/data?from=2024-01-01&to=2024-12-31')
    assert.lengthOf(year.statistics.daily, 366)
    for (const query of ['from=2024-01-01&to=2025-01-01', 'from=2025-03-12&to=2025-03-10']) {
      const response = await browser.get(`/data?${query}`)
      assert.equal(response.status, 302, query)
    }
    const defaults = await browser.props('/data')
    assert.lengthOf(defaults.statistics.daily, 30)
  })
})
