import { test } from '@japa/runner'
import { CAP_TOLERANCE_SECONDS, PORT_MAX_WATTS } from '#core/billing/billing_caps'
import { computeCharge } from '#core/billing/tariff'
import {
  HOURLY,
  charging,
  chargingFixture,
  endRecord,
  orderRow,
  owner,
  settlementsOf,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

/*
| An end record bills no more than the platform observed (billing_caps.ts).
| The service reads the real clock, so "the platform confirmed the start two
| minutes ago" is written into the order (start_confirmed_at, last_seen_at)
| and the port row, as the platform would have recorded it then.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000)
const later = (seconds: number) => new Date(Date.now() + seconds * 1000)

/** What the platform recorded of an order: its start confirmation and the last sign of it running. */
async function observed(
  fixture: Fixture,
  orderNo: string,
  seen: { confirmedAgo: number; lastSeenAgo?: number; portIdleAgo?: number }
) {
  await owner()
    .from('charging_orders')
    .where('order_no', orderNo)
    .update({
      start_confirmed_at: ago(seen.confirmedAgo),
      last_seen_at: ago(seen.lastSeenAgo ?? 0),
    })
  // The port's last reported change, before the confirmation unless given.
  await owner()
    .from('pile_ports')
    .where({ pile_id: fixture.pile.id, port_no: 1 })
    .update({ state: 'idle', updated_at: ago(seen.portIdleAgo ?? seen.confirmedAgo + 60) })
}

async function signedIn(fixture: Fixture) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

/** The 异常订单 page's rows, as its route gives them. */
async function abnormalList(fixture: Fixture, query = '') {
  const browser = await signedIn(fixture)
  const list = await browser.props(`/orders/abnormal${query}`)
  return list.orders as { orderNo: string; status: string; abnormalReason: string | null }[]
}

/** The order numbers 异常订单 lists. */
async function abnormalOrderNos(fixture: Fixture) {
  const listed = await abnormalList(fixture)
  return listed.map((order) => order.orderNo)
}

/** The bill of an order's stored figures under the fixtures' tariff. */
function billOf(row: Record<string, any>) {
  return computeCharge(
    HOURLY,
    {
      durationSeconds: row.duration_seconds,
      energyWattHours: row.energy_wh,
      maxPowerDeciwatts: row.max_power_deciwatts,
    },
    row.cap_fen
  ).amountFen
}

test.group('Billing caps', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an end record claiming 8 hours 2 minutes after the start bills 2 minutes plus tolerance and lands in 异常订单', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture, ago(120))
    await observed(fixture, orderNo, { confirmedAgo: 120 })
    const record = endRecord(fixture, orderNo, { minutes: 480, watts: 150 })

    const first = await charging.ends.settleEnd(fixture.system, record)
    assert.deepEqual(first, { orderNo, settled: true })
    const row = await orderRow(orderNo)
    assert.include(row, { status: 'settled', abnormal_reason: 'capped_duration' })
    // 2 minutes seen plus the tolerance; a second of slack for the test's own run.
    assert.isAtLeast(row.duration_seconds, 120 + CAP_TOLERANCE_SECONDS)
    assert.isAtMost(row.duration_seconds, 120 + CAP_TOLERANCE_SECONDS + 60)
    assert.isAtMost(new Date(row.ended_at).getTime(), Date.now())
    assert.isAtLeast(
      new Date(row.started_at).getTime(),
      ago(120 + CAP_TOLERANCE_SECONDS + 5).getTime()
    )
    // 8 hours at 150 W would have billed the whole ¥5 held; 7 minutes at 1 元/小时 bill 12 fen.
    assert.equal(Number(row.amount_fen), billOf(row))
    assert.isBelow(Number(row.amount_fen), 20)
    assert.include(row.end_claim, { durationSeconds: 480 * 60, energyWattHours: 1200 })
    assert.deepEqual(row.end_claim.capped, ['capped_duration', 'capped_energy'])

    const [entry] = await settlementsOf(orderNo)
    assert.equal(entry.real_out, Number(row.amount_fen))

    // The pile resends its record: acked, settled once, the same figures.
    assert.deepEqual(await charging.ends.settleEnd(fixture.system, record), {
      orderNo,
      settled: true,
    })
    assert.lengthOf(await settlementsOf(orderNo), 1)
    const again = await orderRow(orderNo)
    assert.equal(again.amount_fen, row.amount_fen)
    assert.equal(again.duration_seconds, row.duration_seconds)

    const listed = await abnormalList(fixture)
    assert.deepInclude(
      listed.map((order) => ({
        orderNo: order.orderNo,
        status: order.status,
        reason: order.abnormalReason,
      })),
      { orderNo, status: 'settled', reason: 'capped_duration' }
    )
    // 异常订单's reason filter offers it too.
    const filtered = await abnormalList(fixture, '?abnormalReason=capped_duration')
    assert.deepEqual(
      filtered.map((order) => order.orderNo),
      [orderNo]
    )
    const browser = await signedIn(fixture)
    const detail = await browser.props(`/orders/${row.id}`)
    assert.equal(detail.order.endClaim.durationSeconds, 480 * 60)
  })

  test('energy and power beyond the port’s maximum are capped to it', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture, ago(30 * 60))
    await observed(fixture, orderNo, { confirmedAgo: 30 * 60 })
    // 30 minutes at 50 kW: 25 kWh, twenty times what a port can give.
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 50_000 })
    )
    const row = await orderRow(orderNo)
    assert.include(row, {
      status: 'settled',
      abnormal_reason: 'capped_energy',
      duration_seconds: 30 * 60,
      max_power_deciwatts: PORT_MAX_WATTS * 10,
    })
    // The port's maximum over the time the platform saw: 30 minutes and the 5-minute tolerance.
    assert.closeTo(row.energy_wh, (PORT_MAX_WATTS * (30 * 60 + CAP_TOLERANCE_SECONDS)) / 3600, 2)
    assert.include(row.end_claim, { energyWattHours: 25_000, maxPowerDeciwatts: 500_000 })
    assert.equal(Number(row.amount_fen), billOf(row))
    const [entry] = await settlementsOf(orderNo)
    assert.equal(entry.real_out, Number(row.amount_fen))
    assert.include(await abnormalOrderNos(fixture), orderNo)
  })

  test('an end claimed in the future ends now, billed on the time that passed', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture, ago(30 * 60))
    await observed(fixture, orderNo, { confirmedAgo: 30 * 60 })
    // As the accelerated simulators did: the pile's clock says three hours from now, no duration.
    await charging.ends.settleEnd(fixture.system, {
      ...endRecord(fixture, orderNo, { minutes: 0, watts: 150, wattHours: 75 }, later(3 * 3600)),
      durationSeconds: null,
    })
    const row = await orderRow(orderNo)
    assert.isAtMost(new Date(row.ended_at).getTime(), Date.now())
    assert.include(row, { status: 'settled', abnormal_reason: null })
    assert.isAtLeast(row.duration_seconds, 30 * 60)
    assert.isAtMost(row.duration_seconds, 30 * 60 + 60)
    assert.isAbove(new Date(row.end_claim.endedAt).getTime(), Date.now() + 3600_000)
    assert.notInclude(await abnormalOrderNos(fixture), orderNo)
  })

  test('a record resent days later bills the charge the platform saw, not the days since', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const day = 24 * 3600
    const orderNo = await startedBySwipe(fixture, ago(3 * day))
    // Confirmed three days ago, last sample 55 minutes later, the port idle at 60 minutes.
    await observed(fixture, orderNo, {
      confirmedAgo: 3 * day,
      lastSeenAgo: 3 * day - 55 * 60,
      portIdleAgo: 3 * day - 60 * 60,
    })
    // The pile counts from the start to now: three days.
    await charging.ends.settleEnd(fixture.system, {
      ...endRecord(fixture, orderNo, { minutes: 3 * 24 * 60, watts: 150, wattHours: 150 }),
      startedAt: ago(3 * day),
    })
    const row = await orderRow(orderNo)
    assert.include(row, {
      status: 'settled',
      abnormal_reason: 'capped_duration',
      duration_seconds: 60 * 60 + CAP_TOLERANCE_SECONDS,
    })
    // It ended when the platform last saw it, plus tolerance, not at the resend.
    assert.isAtMost(
      new Date(row.ended_at).getTime(),
      ago(3 * day - 60 * 60 - CAP_TOLERANCE_SECONDS).getTime() + 1000
    )
    assert.equal(Number(row.amount_fen), billOf(row))
  })

  test('an honest end record is billed as claimed and is not abnormal', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture, ago(60 * 60))
    await observed(fixture, orderNo, { confirmedAgo: 60 * 60, lastSeenAgo: 4 * 60 })
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 60, watts: 150 })
    )
    const row = await orderRow(orderNo)
    assert.include(row, {
      status: 'settled',
      abnormal_reason: null,
      end_claim: null,
      duration_seconds: 3600,
      minutes: 60,
      energy_wh: 150,
      max_power_deciwatts: 1500,
    })
    assert.equal(Number(row.amount_fen), 100)
    const [entry] = await settlementsOf(orderNo)
    assert.equal(entry.real_out, 100)
    assert.notInclude(await abnormalOrderNos(fixture), orderNo)
  })

  test('a duration rounded down to whole minutes does not make its energy look impossible', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture, ago(50))
    await observed(fixture, orderNo, { confirmedAgo: 50, lastSeenAgo: 0 })
    // 50 seconds at 400 W, reported as 0 whole minutes and 5 Wh.
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 0, watts: 400, wattHours: 5 })
    )
    const row = await orderRow(orderNo)
    assert.include(row, { status: 'settled', abnormal_reason: null, energy_wh: 5 })
  })
})
