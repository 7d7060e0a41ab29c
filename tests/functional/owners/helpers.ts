import db from '@adonisjs/lucid/services/db'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession } from '#tests/helpers/login'

/*
| Owners' fixtures: a tenant with two stations, owners made and shared
| through the admin's screens, orders written through the owner connection
| (committed, so the test server sees them), and owner accounts.
*/

const owner = () => db.connection('owner')
let sequence = 0

export async function session(account: string, password: string) {
  const browser = new BrowserSession()
  await browser.login({ account, password })
  return browser
}

/** A tenant with a vendor, two stations (one pile each) and an admin. */
export async function ownersFixture() {
  const base = await createTenantWithStaff({ roles: ['super_admin'] })
  const now = new Date()
  const [vendor] = await owner()
    .table('vendors')
    .insert({
      tenant_id: base.tenant.id,
      name: '科爵',
      plugin_id: 'vendor-dny',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  const stations: { id: number; pileId: number }[] = []
  for (const name of ['东门站', '西门站']) {
    const [station] = await owner()
      .table('stations')
      .insert({
        tenant_id: base.tenant.id,
        project_id: base.project.id,
        name,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
    sequence += 1
    const [pile] = await owner()
      .table('piles')
      .insert({
        tenant_id: base.tenant.id,
        project_id: base.project.id,
        station_id: station.id,
        vendor_id: vendor.id,
        plugin_id: 'vendor-dny',
        device_key: `0B${((process.pid * 10 + sequence) % 0xffffff).toString(16).toUpperCase().padStart(6, '0')}`,
        name: `${name}1号桩`,
        port_count: 2,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
    stations.push({ id: Number(station.id), pileId: Number(pile.id) })
  }
  const admin = await session(base.staff.account, base.password)

  /** A settled (or refunded) order, its times in Shanghai. */
  async function order(
    station: { id: number; pileId: number },
    values: {
      startedAt: string
      endedAt: string
      settledAt: string
      energyWh: number
      amountFen: number
      couponFen?: number
      status?: 'settled' | 'refunded'
    }
  ) {
    sequence += 1
    const at = (time: string) => new Date(`${time}+08:00`)
    await owner()
      .table('charging_orders')
      .insert({
        tenant_id: base.tenant.id,
        order_no: `W${process.pid % 10000}${sequence}${Date.now() % 100000}`.slice(0, 16),
        project_id: base.project.id,
        station_id: station.id,
        pile_id: station.pileId,
        port_no: 1,
        vendor_id: vendor.id,
        vendor_name: '科爵',
        device_key: 'OWNERS',
        channel: 'card',
        duration_type: 'full',
        tariff: JSON.stringify({ mode: 'per_use', fenPerUse: 100 }),
        status: values.status ?? 'settled',
        max_duration_seconds: 36000,
        started_at: at(values.startedAt),
        ended_at: at(values.endedAt),
        settled_at: at(values.settledAt),
        energy_wh: values.energyWh,
        amount_fen: values.amountFen,
        coupon_discount_fen: values.couponFen ?? 0,
        created_at: at(values.startedAt),
        updated_at: now,
      })
  }

  async function createOwner(name: string) {
    const response = await admin.send('POST', '/operations/owners', {
      name,
      contact: '王经理',
      phone: '13800000000',
    })
    if (response.status >= 400) throw new Error(`owner: ${response.status}`)
    const row = await owner().from('owners').where({ tenant_id: base.tenant.id, name }).first()
    return Number(row.id)
  }

  return { ...base, stations, admin, order, createOwner }
}

/**
 * November 2026 (Shanghai): 东门站 (15% of net, ¥0.50 flat with a ¥1.00
 * peak 18:00–21:00) and 西门站 (¥0.08/kWh, no tariff), with orders just
 * inside and just outside the month.
 */
export async function novemberFixture() {
  const fixture = await ownersFixture()
  const ownerId = await fixture.createOwner('阳光物业')
  const [east, west] = fixture.stations
  const money = async (stationId: number, body: Record<string, unknown>) => {
    const response = await fixture.admin.send('PUT', `/operations/stations/${stationId}/money`, {
      ownerId,
      ...body,
    })
    if (response.status >= 400) throw new Error(`money: ${response.status} ${response.text}`)
  }
  await money(east.id, {
    share: { kind: 'percent', value: 1500 },
    electricityTariff: { flat: 5000, periods: [{ from: '18:00', to: '21:00', price: 10000 }] },
  })
  await money(west.id, { share: { kind: 'per_kwh', value: 8 }, electricityTariff: null })
  // 东门站: across the peak boundary: 1.5 kWh flat + 1.5 kWh peak = ¥2.25 of electricity.
  await fixture.order(east, {
    startedAt: '2026-11-03T17:00:00',
    endedAt: '2026-11-03T19:00:00',
    settledAt: '2026-11-03T19:00:05',
    energyWh: 3000,
    amountFen: 650,
    couponFen: 50,
  })
  // Refunded: its revenue comes back out; 1 kWh flat = ¥0.50.
  await fixture.order(east, {
    startedAt: '2026-11-10T10:00:00',
    endedAt: '2026-11-10T11:00:00',
    settledAt: '2026-11-10T11:00:05',
    energyWh: 1000,
    amountFen: 200,
    status: 'refunded',
  })
  // October's last minute in Shanghai: out.
  await fixture.order(east, {
    startedAt: '2026-10-31T22:00:00',
    endedAt: '2026-10-31T23:59:00',
    settledAt: '2026-10-31T23:59:30',
    energyWh: 9999,
    amountFen: 9999,
  })
  // 西门站: the month's last second counts, the next month's first does not.
  await fixture.order(west, {
    startedAt: '2026-11-30T20:00:00',
    endedAt: '2026-11-30T23:59:00',
    settledAt: '2026-11-30T23:59:59',
    energyWh: 12_500,
    amountFen: 1000,
  })
  await fixture.order(west, {
    startedAt: '2026-11-30T23:00:00',
    endedAt: '2026-12-01T00:00:00',
    settledAt: '2026-12-01T00:00:00',
    energyWh: 7777,
    amountFen: 7777,
  })
  return { ...fixture, ownerId, east, west }
}

/** A staff member with the 业主 role, tied to `ownerId` by the admin. */
export async function ownerAccount(
  fixture: Awaited<ReturnType<typeof ownersFixture>>,
  ownerId: number
) {
  sequence += 1
  const account = `owner_${process.pid}_${sequence}`
  const created = await fixture.admin.send('POST', '/permissions/staff', {
    account,
    name: `业主账号${sequence}`,
    password: 'owner-pass-2026!',
    roleIds: [fixture.roles.get('owner')!.id],
    projectIds: [],
  })
  if (created.status >= 400) throw new Error(`staff: ${created.status}`)
  const staff = await owner().from('staff').where({ account }).first()
  await owner().from('staff').where('id', staff.id).update({ must_change_password: false })
  const linked = await fixture.admin.send('PUT', `/operations/owners/${ownerId}/account`, {
    staffId: Number(staff.id),
    linked: true,
  })
  if (linked.status >= 400) throw new Error(`link: ${linked.status} ${linked.text}`)
  const password = 'owner-pass-2026!'
  return { staffId: Number(staff.id), account, password, browser: await session(account, password) }
}
