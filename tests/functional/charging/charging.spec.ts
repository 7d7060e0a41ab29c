import { test } from '@japa/runner'
import ChargingWatchdog, {
  END_GRACE_SECONDS,
  FULL_LOW_SECONDS,
  PHANTOM_SECONDS,
  START_TIMEOUT_SECONDS,
} from '#services/orders/charging_watchdog'
import TenantContext from '#core/tenancy/tenant_context'
import {
  charging,
  chargingFixture,
  endRecord,
  events,
  orderField,
  orderRow,
  outcome,
  owner,
  realBalance,
  settlementsOf,
  startedBySwipe,
} from '#tests/functional/charging/helpers'

/*
| The gateway's entry points, called as the sink calls them (each in the
| pile's tenant, TenantContext.forJob). No global transaction: settlements
| commit and the checks read them through the owner connection.
*/

const later = (seconds: number) => new Date(Date.now() + seconds * 1000)

test.group('Charging: card swipes', () => {
  test('an authorised swipe opens a stop-when-full order capped at the prepaid amount', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const decision = await charging.starts.authorizeCard(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      cardNo: fixture.cardNo.toLowerCase(),
      at: new Date(),
    })
    assert.isTrue(decision.authorised)
    if (!decision.authorised) return
    assert.match(decision.orderNo, /^[0-9A-Z]{16}$/)
    assert.deepEqual(decision.limit, { kind: 'full' })
    assert.equal(decision.balanceFen, 500)
    assert.equal(decision.maxDurationSeconds, 8 * 3600)
    const order = await orderRow(decision.orderNo)
    assert.include(order, {
      status: 'authorised',
      channel: 'card',
      duration_type: 'full',
      card_no: fixture.cardNo,
      rider_id: fixture.rider.id,
      vendor_name: '科爵',
      device_key: fixture.deviceKey,
      port_no: 2,
    })
    assert.equal(order.cap_fen, 500)
    assert.equal(order.tariff.mode, 'time')

    // The pile asks again for the same swipe: the same order, not a second one.
    const again = await charging.starts.authorizeCard(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      cardNo: fixture.cardNo,
      at: new Date(),
    })
    assert.deepEqual(again, decision)
  })

  test('swipes are refused with their reason', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 0 })
    const swipe = (cardNo: string, portNo = 1) =>
      charging.starts
        .authorizeCard(fixture.system, { pileId: fixture.pile.id, portNo, cardNo, at: new Date() })
        .then((decision) => (decision.authorised ? 'ok' : decision.reason))

    assert.equal(await swipe('FFFFFFFF'), 'unknown_card')
    assert.equal(await swipe('not a card'), 'unknown_card')
    assert.equal(await swipe(fixture.cardNo), 'insufficient_balance')

    // The project's overdraft counts as spendable: the cap is what it allows.
    await owner().from('projects').where('id', fixture.project.id).update({ overdraft_limit: 300 })
    assert.equal(await swipe(fixture.cardNo), 'ok')
    assert.equal(await swipe(fixture.cardNo, 1), 'ok')
    const [open] = await owner()
      .from('charging_orders')
      .where({ pile_id: fixture.pile.id, status: 'authorised' })
    assert.equal(open.cap_fen, 300)

    // A faulted port, and a port the pile does not have.
    await owner().from('pile_ports').where({ pile_id: fixture.pile.id, port_no: 3 }).update({
      state: 'fault',
    })
    assert.equal(await swipe(fixture.cardNo, 3), 'port_busy')
    assert.equal(await swipe(fixture.cardNo, 9), 'port_busy')

    await owner().from('cards').where('card_no', fixture.cardNo).update({ status: 'lost' })
    assert.equal(await swipe(fixture.cardNo, 2), 'lost_card')
    await owner().from('cards').where('card_no', fixture.cardNo).update({ status: 'bound' })
    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    assert.equal(await swipe(fixture.cardNo, 2), 'frozen')

    await owner().from('piles').where('id', fixture.pile.id).update({ status: 'disabled' })
    assert.equal(await swipe(fixture.cardNo, 2), 'unknown_pile')
  })

  test('another tenant’s context sees no pile (the RLS wall)', async ({ assert }) => {
    const fixture = await chargingFixture()
    const stranger = await chargingFixture()
    const decision = await charging.starts.authorizeCard(stranger.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      cardNo: fixture.cardNo,
      at: new Date(),
    })
    assert.deepEqual(decision, { authorised: false, reason: 'unknown_pile' })
    assert.equal(
      await outcome(
        charging.remote.startRemote(stranger.system, {
          pileId: fixture.pile.id,
          portNo: 1,
          riderId: stranger.rider.id,
          durationType: { kind: 'full' },
          channel: 'app',
        })
      ),
      'pileNotFound'
    )
    // Another tenant's end record for our order number finds nothing of ours.
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      stranger.system,
      endRecord(stranger, orderNo, { minutes: 60, watts: 150 })
    )
    assert.equal(await orderField(orderNo, 'status'), 'charging')
  })
})

test.group('Charging: start, meter, end and settlement', () => {
  test('swipe → start → meter samples → end: one settled order, one ledger deduction', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const startedAt = new Date(Date.now() - 3600_000)
    const orderNo = await startedBySwipe(fixture, startedAt)
    let order = await orderRow(orderNo)
    assert.equal(order.status, 'charging')
    const port = await owner()
      .from('pile_ports')
      .where({ pile_id: fixture.pile.id, port_no: 1 })
      .first()
    assert.equal(port.current_order_no, orderNo)

    for (const [minute, watts, wh] of [
      [5, 120, 10],
      [30, 180, 80],
      [55, 90, 140],
    ]) {
      await charging.meter.recordMeter(fixture.system, {
        pileId: fixture.pile.id,
        portNo: 1,
        orderNo,
        powerDeciwatts: watts * 10,
        energyWattHours: wh,
        at: new Date(startedAt.getTime() + minute * 60_000),
      })
    }
    order = await orderRow(orderNo)
    assert.equal(order.max_power_deciwatts, 1800)
    assert.equal(order.energy_wh, 140)
    assert.equal(order.sample_count, 3)

    const result = await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 60, watts: 150, wattHours: 150 })
    )
    assert.deepEqual(result, { orderNo, settled: true })
    order = await orderRow(orderNo)
    assert.include(order, {
      status: 'settled',
      minutes: 60,
      stop_reason: 'full',
      raw_stop_code: '1',
    })
    // Max power 180 W from the samples keeps the 1 元/小时 band.
    assert.equal(order.amount_fen, 100)
    assert.equal(order.rate_fen_per_hour, 100)
    assert.equal(order.bill.lines[0].kind, 'time')
    assert.isNotNull(order.ledger_entry_id)
    assert.deepEqual(await settlementsOf(orderNo), [
      { real_out: 100, bonus_out: 0, real_after: 900 },
    ])
    const samples = await owner().from('charging_meter_samples').where('order_id', order.id)
    assert.lengthOf(samples, 3)
    const released = await owner()
      .from('pile_ports')
      .where({ pile_id: fixture.pile.id, port_no: 1 })
      .first()
    assert.isNull(released.current_order_no)
  })

  test('the end record resent 5 times settles once', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    const record = endRecord(fixture, orderNo, { minutes: 90, watts: 300 })
    for (let copy = 0; copy < 5; copy += 1) {
      assert.deepEqual(await charging.ends.settleEnd(fixture.system, record), {
        orderNo,
        settled: true,
      })
    }
    // A later copy with other figures changes nothing either.
    await charging.ends.settleEnd(fixture.system, { ...record, durationSeconds: 99_999 })
    assert.lengthOf(await settlementsOf(orderNo), 1)
    assert.equal(await orderField(orderNo, 'amount_fen'), 300)
    assert.equal(await realBalance(fixture.rider.id), 700)
  })

  test('duplicate end records arriving at once settle once', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    const record = endRecord(fixture, orderNo, { minutes: 60, watts: 300 })
    const results = await Promise.all(
      Array.from({ length: 6 }, () => charging.ends.settleEnd(fixture.system, record))
    )
    assert.isTrue(results.every((result) => result.settled && result.orderNo === orderNo))
    assert.lengthOf(await settlementsOf(orderNo), 1)
    assert.equal(await realBalance(fixture.rider.id), 800)

    // The same for an order we never saw: one BLE order, not six.
    const unknown = endRecord(fixture, 'PILE-OWN-0042', { minutes: 10, watts: 300, portNo: 4 })
    await Promise.all(
      Array.from({ length: 4 }, () => charging.ends.settleEnd(fixture.system, unknown))
    )
    const ble = await owner().from('charging_orders').where({
      pile_id: fixture.pile.id,
      transaction_ref: 'PILE-OWN-0042',
    })
    assert.lengthOf(ble, 1)
    assert.include(ble[0], { channel: 'ble', status: 'abnormal', abnormal_reason: 'unknown_rider' })
  })

  test('stop-when-full: the bill comes from actual use and never above the prepaid amount', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 2000 })
    const short = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, short, { minutes: 45, watts: 400 })
    )
    // 45 min at 2 元/小时 = 1.50; the rest of the ¥5 prepaid stays the rider's.
    assert.equal(await orderField(short, 'amount_fen'), 150)
    assert.equal(await realBalance(fixture.rider.id), 1850)

    const long = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, long, { minutes: 600, watts: 400 })
    )
    const order = await orderRow(long)
    assert.equal(order.amount_fen, 500)
    assert.equal(order.bill.lines.at(-1).kind, 'cap')
    assert.equal(await realBalance(fixture.rider.id), 1350)
  })

  test('an OCPP start with an idTag never authorised is checked then; a refused one is kept cancelled', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const started = await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo: null,
      transactionRef: '7001',
      idTag: fixture.cardNo,
      meterStartWattHours: 12_000,
      at: new Date(),
    })
    assert.isTrue(started.accepted)
    await charging.meter.recordMeter(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo: null,
      transactionRef: '7001',
      powerDeciwatts: 2000,
      energyWattHours: 12_150,
      at: new Date(),
    })
    assert.equal(await orderField(started.orderNo, 'energy_wh'), 150)
    const ended = await charging.ends.settleEnd(fixture.system, {
      ...endRecord(fixture, null, { minutes: 30, watts: 200, portNo: 2 }),
      transactionRef: '7001',
    })
    assert.deepEqual(ended, { orderNo: started.orderNo, settled: true })

    const refused = await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 3,
      orderNo: null,
      transactionRef: '7002',
      idTag: 'ABCDEF01',
      at: new Date(),
    })
    assert.isFalse(refused.accepted)
    assert.include(await orderRow(refused.orderNo), {
      status: 'cancelled',
      cancel_reason: 'unknown',
    })
  })

  test('a frozen rider’s wallet refuses the settlement: the order waits in 异常订单', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    const result = await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 60, watts: 150 })
    )
    assert.isFalse(result.settled)
    assert.include(await orderRow(orderNo), {
      status: 'abnormal',
      abnormal_reason: 'settlement_failed',
    })
    assert.lengthOf(await settlementsOf(orderNo), 0)
  })
})

test.group('Charging: abnormal orders', () => {
  test('a pile offline mid-charge makes the order abnormal; its end record still settles it', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    assert.include(await orderRow(orderNo), { status: 'abnormal', abnormal_reason: 'pile_offline' })

    // Reconnected, the pile sends the record it kept.
    const result = await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150 })
    )
    assert.isTrue(result.settled)
    assert.include(await orderRow(orderNo), { status: 'settled', amount_fen: 50 })
  })

  test('billed while nothing flowed: phantom, not settled', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    const result = await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 120, watts: 0, wattHours: 0 })
    )
    assert.isFalse(result.settled)
    assert.include(await orderRow(orderNo), { status: 'abnormal', abnormal_reason: 'phantom' })
    assert.lengthOf(await settlementsOf(orderNo), 0)
  })

  test('the watchdog finds late starts, missing ends, phantom charging and offline piles', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    const watchdog = new ChargingWatchdog()
    const swipe = async (portNo: number) => {
      const decision = await charging.starts.authorizeCard(fixture.system, {
        pileId: fixture.pile.id,
        portNo,
        cardNo: fixture.cardNo,
        at: new Date(),
      })
      if (!decision.authorised) throw new Error(decision.reason)
      return decision.orderNo
    }
    const neverStarted = await swipe(1)
    const silent = await swipe(2)
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo: silent,
      at: new Date(),
    })
    const idle = await swipe(3)
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 3,
      orderNo: idle,
      at: new Date(),
    })
    await charging.meter.recordMeter(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 3,
      orderNo: idle,
      powerDeciwatts: 0,
      at: new Date(),
    })

    await watchdog.run(later(START_TIMEOUT_SECONDS + 1))
    assert.include(await orderRow(neverStarted), {
      status: 'abnormal',
      abnormal_reason: 'no_start',
    })
    assert.equal(await orderField(silent, 'status'), 'charging')

    await watchdog.run(later(PHANTOM_SECONDS + 1))
    assert.include(await orderRow(idle), { status: 'abnormal', abnormal_reason: 'phantom' })
    assert.equal(await orderField(silent, 'status'), 'charging')

    await watchdog.run(later(8 * 3600 + END_GRACE_SECONDS + 1))
    assert.include(await orderRow(silent), { status: 'abnormal', abnormal_reason: 'no_end' })

    // A start confirmed late revives a no_start order.
    const revived = await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo: neverStarted,
      at: new Date(),
    })
    assert.isTrue(revived.accepted)
    assert.equal(await orderField(neverStarted, 'status'), 'charging')

    // The offline sweep does not call the charging service: the watchdog catches it.
    await owner().from('piles').where('id', fixture.pile.id).update({ online: false })
    await watchdog.run(new Date())
    assert.include(await orderRow(neverStarted), {
      status: 'abnormal',
      abnormal_reason: 'pile_offline',
    })
  })

  test('the watchdog stops a stop-when-full charge whose power stayed low', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const startedAt = new Date(Date.now() - 3 * 3600_000)
    const orderNo = await startedBySwipe(fixture, startedAt)
    const sample = (minute: number, watts: number) =>
      charging.meter.recordMeter(fixture.system, {
        pileId: fixture.pile.id,
        portNo: 1,
        orderNo,
        powerDeciwatts: watts * 10,
        at: new Date(startedAt.getTime() + minute * 60_000),
      })
    await sample(5, 300)
    await sample(60, 250)
    await sample(120, 20)
    let order = await orderRow(orderNo)
    assert.isNotNull(order.low_power_since)
    // Power back up: not full after all.
    await sample(125, 200)
    assert.isNull(await orderField(orderNo, 'low_power_since'))
    await sample(130, 20)
    await sample(150, 15)

    const summary = await new ChargingWatchdog().run(later(FULL_LOW_SECONDS + 1))
    assert.isAtLeast(summary.stoppedFull, 1)
    order = await orderRow(orderNo)
    assert.isNotNull(order.stop_requested_at)
    const commands = await owner()
      .from('device_commands')
      .where({ pile_id: fixture.pile.id, command: 'stop' })
    assert.lengthOf(commands, 1)
    assert.deepEqual(commands[0].parameters, { orderNo, reason: 'full' })

    // Asked once: the next run does not stop it again.
    await new ChargingWatchdog().run(later(FULL_LOW_SECONDS + 120))
    assert.lengthOf(
      await owner().from('device_commands').where({ pile_id: fixture.pile.id, command: 'stop' }),
      1
    )
  })

  test('the watchdog cancels an order whose start command failed and settles ended ones', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const { orderNo, commandId } = await charging.remote.startRemote(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      riderId: fixture.rider.id,
      durationType: { kind: 'hours', hours: 2 },
      channel: 'app',
    })
    await events.recordCommandResult(commandId, 'failed', { detail: 'no_charger' })
    await new ChargingWatchdog().run(new Date())
    assert.include(await orderRow(orderNo), { status: 'cancelled', cancel_reason: 'start_failed' })

    // An end recorded but not settled (a crash in between) is settled by the next run.
    const second = await startedBySwipe(fixture)
    await owner()
      .from('charging_orders')
      .where('order_no', second)
      .update({ status: 'ended', ended_at: new Date(), amount_fen: 70 })
    await new ChargingWatchdog().run(new Date())
    assert.equal(await orderField(second, 'status'), 'settled')
    assert.deepEqual(await settlementsOf(second), [{ real_out: 70, bonus_out: 0, real_after: 930 }])
  })
})

test.group('Charging: remote start and stop', () => {
  test('a remote start opens an order and queues a start command with its limit', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const { orderNo, commandId } = await charging.remote.startRemote(fixture.asAdmin, {
      pileId: fixture.pile.id,
      portNo: 2,
      riderId: fixture.rider.id,
      durationType: { kind: 'hours', hours: 2 },
      channel: 'staff',
    })
    const order = await orderRow(orderNo)
    assert.include(order, {
      status: 'authorised',
      channel: 'staff',
      duration_type: 'hours',
      duration_hours: 2,
      start_command_id: commandId,
    })
    // Two hours at the top band (2 元/小时) = ¥4.
    assert.equal(order.cap_fen, 400)
    const command = await owner().from('device_commands').where('id', commandId).firstOrFail()
    assert.include(command, { command: 'start', port_no: 2, status: 'pending' })
    assert.deepEqual(command.parameters, {
      orderNo,
      limit: { kind: 'duration', seconds: 7200 },
      maxDurationSeconds: 7200,
      balanceFen: 400,
    })
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'orders.remote_start' })
    assert.lengthOf(audit, 1)

    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo,
      at: new Date(),
    })
    const stop = await charging.remote.stopRemote(fixture.asAdmin, { orderNo, reason: '用户要求' })
    const stopCommand = await owner().from('device_commands').where('id', stop.commandId).first()
    assert.include(stopCommand, { command: 'stop', port_no: 2 })
    assert.isNotNull(await orderField(orderNo, 'stop_requested_at'))

    // A fixed amount is sent as an amount limit.
    const amount = await charging.remote.startRemote(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 3,
      riderId: fixture.rider.id,
      durationType: { kind: 'amount', fen: 300 },
      channel: 'app',
    })
    assert.equal(await orderField(amount.orderNo, 'cap_fen'), 300)
  })

  test('remote starts are refused with their reason', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 200 })
    const start = (input: Partial<Parameters<typeof charging.remote.startRemote>[1]> = {}) =>
      outcome(
        charging.remote.startRemote(fixture.system, {
          pileId: fixture.pile.id,
          portNo: 1,
          riderId: fixture.rider.id,
          durationType: { kind: 'full' },
          channel: 'app',
          ...input,
        })
      )
    assert.equal(await start({ durationType: { kind: 'amount', fen: 300 } }), 'insufficientBalance')
    assert.equal(await start({ portNo: 9 }), 'portNotFound')
    assert.equal(await start({ riderId: 999_999_999 }), 'riderNotFound')
    await owner().from('pile_ports').where({ pile_id: fixture.pile.id, port_no: 4 }).update({
      state: 'fault',
    })
    assert.equal(await start({ portNo: 4 }), 'portFault')
    assert.equal(await start(), 'ok')
    assert.equal(await start(), 'portBusy')
    assert.equal(
      await outcome(charging.remote.stopRemote(fixture.system, { orderNo: 'NOPE', reason: 'x' })),
      'orderNotFound'
    )

    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    assert.equal(await start({ portNo: 2 }), 'riderFrozen')
    await events.markOffline('vendor-dny', fixture.deviceKey)
    assert.equal(await start({ portNo: 2 }), 'pileOffline')

    // A staff member limited to other projects sees no pile.
    const limited = new TenantContext(fixture.tenant.id, fixture.staff.id, [], new Set())
    const refused = charging.remote.startRemote(limited, {
      pileId: fixture.pile.id,
      portNo: 2,
      riderId: fixture.rider.id,
      durationType: { kind: 'full' },
      channel: 'staff',
    })
    assert.equal(await outcome(refused), 'pileNotFound')
  })
})
