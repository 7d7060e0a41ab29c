import db from '@adonisjs/lucid/services/db'
import RemoteControl from '#services/orders/remote_control'
import SessionEnds from '#services/orders/session_ends'
import SessionMeter from '#services/orders/session_meter'
import SessionStarts from '#services/orders/session_starts'
import Settlement from '#services/orders/settlement'
import DeviceEventService from '#services/operations/device_event_service'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import { PERMISSIONS, type BuiltinRoleKey } from '#core/access/permissions'
import type { Tariff } from '#core/billing/tariff'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { deviceRegistry, freshDnyKey } from '#tests/functional/devices/helpers'
import { createRider, freshCardNo, stockCards } from '#tests/functional/cards/helpers'

/*
| Helpers of the charging tests. Fixtures are committed through the owner
| connection or the services (no global transaction): settlements run in
| their own transactions and the checks read what committed.
*/

export const owner = () => db.connection('owner')
/** The charging units, as the gateway and the APP drive them. */
export const charging = {
  starts: new SessionStarts(),
  meter: new SessionMeter(),
  ends: new SessionEnds(),
  remote: new RemoteControl(),
  settlement: new Settlement(),
}
export const events = new DeviceEventService()

/** 1 元/小时 up to 200 W, 2 元/小时 above, billed by the minute; ¥5 held for stop-when-full. */
export const HOURLY: Tariff = {
  mode: 'time',
  bands: [
    { upToWatts: 200, hours: 1, priceFen: 100 },
    { upToWatts: 1000, hours: 1, priceFen: 200 },
  ],
  stepMinutes: 1,
  powerBasis: 'max',
  freeMinutes: 0,
  minimumFen: 0,
  fullPrepaidFen: 500,
  maxHours: 8,
}

/**
 * A tenant with a 4-port DNY pile online, a rider with `balance` fen of
 * real money and a bound card, and a tariff (HOURLY unless given).
 */
export async function chargingFixture(
  options: {
    balance?: number
    overdraftLimit?: number
    tariff?: Tariff
    roles?: BuiltinRoleKey[]
  } = {}
) {
  const base = await createTenantWithStaff({ roles: options.roles ?? ['super_admin'] })
  const asAdmin = new TenantContext(base.tenant.id, base.staff.id, null, new Set(PERMISSIONS), {
    actor: { staffId: base.staff.id, account: base.staff.account, name: base.staff.name },
    request: null,
  })
  const system = TenantContext.forJob(base.tenant.id)
  const registry = deviceRegistry(asAdmin)
  const vendor = await registry.vendors.create({ name: '科爵', pluginId: 'vendor-dny' })
  const station = await registry.stations.create({
    projectId: base.project.id,
    name: '一号站',
    status: 'active',
  })
  const deviceKey = freshDnyKey()
  const pile = await registry.piles.create({
    stationId: station.id,
    vendorId: vendor.id,
    deviceKey,
    name: '1号桩',
    portCount: 4,
  })
  await events.recordHeartbeat('vendor-dny', deviceKey, {
    ports: [1, 2, 3, 4].map((portNo) => ({ portNo, state: 'idle' as const })),
  })
  await owner()
    .from('projects')
    .where('id', base.project.id)
    .update({ overdraft_limit: options.overdraftLimit ?? 0 })
  await owner()
    .table('tariffs')
    .insert({
      tenant_id: base.tenant.id,
      project_id: base.project.id,
      version: 1,
      rules: JSON.stringify(options.tariff ?? HOURLY),
      created_at: new Date(),
    })
  const rider = await createRider(base.tenant.id)
  if (options.balance ?? 1000) {
    await new WalletService().topUpCash(asAdmin, {
      riderId: rider.id,
      projectId: base.project.id,
      realAmount: options.balance ?? 1000,
      idempotencyKey: `fixture:${rider.id}`,
    })
  }
  const cardNo = freshCardNo()
  await stockCards(base.tenant.id, base.project.id, [cardNo], {
    status: 'bound',
    riderId: rider.id,
  })
  return { ...base, asAdmin, system, vendor, station, pile, deviceKey, rider, cardNo }
}

export function orderRow(orderNo: string) {
  return owner().from('charging_orders').where('order_no', orderNo).firstOrFail()
}

/** One column of a committed order. */
export async function orderField(orderNo: string, column: string) {
  const row = await orderRow(orderNo)
  return row[column]
}

export async function settlementsOf(orderNo: string) {
  return owner()
    .from('ledger_entries')
    .where({ entry_no: orderNo, detail_type: 'charge_settlement' })
    .select('real_out', 'bonus_out', 'real_after')
}

export async function realBalance(riderId: number) {
  const wallet = await owner().from('wallets').where('rider_id', riderId).firstOrFail()
  return wallet.real_balance as number
}

/** An end record of `minutes` at `watts`, as a vendor adapter reports it. */
export function endRecord(
  fixture: { deviceKey: string; pile: { id: number } },
  orderNo: string | null,
  usage: { minutes: number; watts: number; wattHours?: number; portNo?: number },
  endedAt = new Date()
) {
  return {
    pileId: fixture.pile.id,
    deviceKey: fixture.deviceKey,
    portNo: usage.portNo ?? 1,
    orderNo,
    endedAt,
    durationSeconds: usage.minutes * 60,
    energyWattHours: usage.wattHours ?? Math.round((usage.watts * usage.minutes) / 60),
    maxPowerDeciwatts: usage.watts * 10,
    stopReason: 'full' as const,
    rawStopCode: '1',
  }
}

/** The refusal reason of a call, or 'ok'. */
export async function outcome(work: Promise<unknown>) {
  try {
    await work
    return 'ok'
  } catch (error) {
    const reason = (error as { reason?: string }).reason
    if (reason) return reason
    throw error
  }
}

/**
 * The platform confirmed the order's start `secondsAgo` (billing caps: an
 * end record bills no more than that, plus tolerance) and has seen it
 * running until now.
 */
export async function startSeen(orderNo: string, secondsAgo: number) {
  await owner()
    .from('charging_orders')
    .where('order_no', orderNo)
    .update({
      start_confirmed_at: new Date(Date.now() - secondsAgo * 1000),
      last_seen_at: new Date(),
    })
}

/**
 * The pile confirmed `orderNo` on port 1 `minutes` ago (the platform saw it
 * then and since) and now reports 150 W and `wattHours`, as the gateway
 * process records it.
 */
export async function chargingFor(
  fixture: Awaited<ReturnType<typeof chargingFixture>>,
  orderNo: string,
  minutes: number,
  wattHours: number
) {
  await charging.starts.confirmStart(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    orderNo,
    at: new Date(Date.now() - minutes * 60_000),
  })
  await startSeen(orderNo, minutes * 60)
  await charging.meter.recordMeter(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    orderNo,
    powerDeciwatts: 1500,
    energyWattHours: wattHours,
    at: new Date(),
  })
}

/**
 * A card swipe authorised and confirmed started on port 1: the order number.
 * The platform saw it start the order's maximum duration ago, so the end
 * records of these tests bill as claimed; billing_caps.spec.ts sets its own.
 */
export async function startedBySwipe(
  fixture: Awaited<ReturnType<typeof chargingFixture>>,
  at = new Date()
) {
  const decision = await charging.starts.authorizeCard(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    cardNo: fixture.cardNo,
    at,
  })
  if (!decision.authorised) throw new Error(`swipe refused: ${decision.reason}`)
  await charging.starts.confirmStart(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    orderNo: decision.orderNo,
    at,
  })
  await startSeen(decision.orderNo, decision.maxDurationSeconds)
  return decision.orderNo
}
