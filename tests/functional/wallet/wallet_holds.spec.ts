import { test } from '@japa/runner'
import ChargingWatchdog, { START_TIMEOUT_SECONDS } from '#services/orders/charging_watchdog'
import LedgerVerifier from '#core/wallet/ledger_verifier'
import WalletService from '#core/wallet/wallet_service'
import RiderBalance from '#services/h5/rider_balance'
import RiderService from '#services/riders/rider_service'
import AuditService from '#core/audit/audit_service'
import {
  HOURLY,
  charging,
  chargingFixture,
  endRecord,
  orderField,
  orderRow,
  outcome,
  owner,
  settlementsOf,
  startSeen,
  startedBySwipe,
} from '#tests/functional/charging/helpers'

/*
| Wallet holds (#core/wallet/wallet_holds): an order opening reserves its
| cap, settlement turns the hold into the deduction, every other end frees
| it. Through the real service paths, committed (no global transaction), so
| the concurrent starts really race for the wallet's lock.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

async function holdsOf(riderId: number) {
  return owner().from('wallet_holds').where('rider_id', riderId).orderBy('id')
}

async function holdOf(orderNo: string) {
  const order = await orderRow(orderNo)
  return owner().from('wallet_holds').where('order_id', order.id).first()
}

/** Balance minus open holds, real and bonus, fen. */
async function availableOf(riderId: number) {
  const wallet = await owner().from('wallets').where('rider_id', riderId).firstOrFail()
  const holds = await holdsOf(riderId)
  const open = holds.filter((hold) => hold.status === 'open')
  const real = open.reduce((sum, hold) => sum + hold.real_fen, 0)
  const bonus = open.reduce((sum, hold) => sum + hold.bonus_fen, 0)
  return {
    real: wallet.real_balance - real,
    bonus: wallet.bonus_balance - bonus,
    held: real + bonus,
  }
}

async function assertLedgerVerifies(assert: {
  isNull: (value: unknown, message?: string) => void
}) {
  const result = await new LedgerVerifier().verify()
  assert.isNull(result.violation, result.violation ?? '')
}

/** A card swipe on port 1 and an APP start on port 2, both stop-when-full, at once. */
function concurrentStarts(fixture: Fixture) {
  return Promise.all([
    charging.starts
      .authorizeCard(fixture.system, {
        pileId: fixture.pile.id,
        portNo: 1,
        cardNo: fixture.cardNo,
        at: new Date(),
      })
      .then((decision) => (decision.authorised ? decision.orderNo : decision.reason)),
    charging.remote
      .startRemote(fixture.system, {
        pileId: fixture.pile.id,
        portNo: 2,
        riderId: fixture.rider.id,
        durationType: { kind: 'full' },
        channel: 'app',
      })
      .then((started) => started.orderNo)
      .catch((error) => outcome(Promise.reject(error))),
  ])
}

/** The pile starts the order on its port and, 8 hours on, ends it at 100 W (800 fen at HOURLY). */
async function chargeEightHours(fixture: Fixture, orderNo: string) {
  const order = await orderRow(orderNo)
  const startedAt = new Date(Date.now() - 8 * 3600_000)
  await charging.starts.confirmStart(fixture.system, {
    pileId: fixture.pile.id,
    portNo: order.port_no,
    orderNo,
    at: startedAt,
  })
  await startSeen(orderNo, 8 * 3600)
  return charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, orderNo, { minutes: 480, watts: 100, portNo: order.port_no })
  )
}

test.group('Wallet holds: starts on one balance', () => {
  test('two concurrent starts asking for the whole balance: one opens, the other is refused', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({
      balance: 1000,
      tariff: { ...HOURLY, fullPrepaidFen: 1000 },
    })
    const outcomes = await concurrentStarts(fixture)
    const opened = outcomes.filter((value) => /^[0-9A-Z]{16}$/.test(value))
    const refused = outcomes.filter((value) => !opened.includes(value))
    assert.lengthOf(opened, 1)
    assert.includeMembers(['insufficient_balance', 'insufficientBalance'], refused)
    assert.equal(await orderField(opened[0], 'cap_fen'), 1000)
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 1000 })

    // 8 hours at 100 W bill 800 fen: the hold becomes that deduction, the rest is free again.
    assert.include(await chargeEightHours(fixture, opened[0]), { settled: true })
    assert.include(await holdOf(opened[0]), {
      status: 'settled',
      real_fen: 1000,
      bonus_fen: 0,
      settled_fen: 800,
    })
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 200, bonus: 0, held: 0 })
    await assertLedgerVerifies(assert)
  })

  test('the second of two concurrent starts is capped to what is left; both settle within the balance', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({
      balance: 1000,
      tariff: { ...HOURLY, fullPrepaidFen: 600 },
    })
    const orderNos = await concurrentStarts(fixture)
    const caps = await Promise.all(orderNos.map((no) => orderField(no, 'cap_fen')))
    assert.sameMembers(caps, [600, 400])
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 1000 })

    // Each bills 800 fen of use, at most its cap: 1000 fen in all, never more than the balance.
    for (const orderNo of orderNos) {
      assert.include(await chargeEightHours(fixture, orderNo), { settled: true })
    }
    const settlements = await Promise.all(orderNos.map(settlementsOf))
    const deducted = settlements.flat().reduce((sum, row) => sum + row.real_out + row.bonus_out, 0)
    assert.equal(deducted, 1000)
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 0 })
    await assertLedgerVerifies(assert)
  })

  test('holds split real and bonus money as the settlement takes them', async ({ assert }) => {
    // bonus_first (the fixture's default): 300 real + 300 bonus.
    const fixture = await chargingFixture({
      balance: 300,
      tariff: { ...HOURLY, fullPrepaidFen: 400 },
    })
    await new WalletService().grantBonus(fixture.asAdmin, {
      riderId: fixture.rider.id,
      projectId: fixture.project.id,
      bonusAmount: 300,
      idempotencyKey: `bonus:${fixture.rider.id}`,
    })
    const first = await startedBySwipe(fixture)
    assert.include(await holdOf(first), { real_fen: 100, bonus_fen: 300 })
    const { orderNo: second } = await charging.remote.startRemote(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      riderId: fixture.rider.id,
      durationType: { kind: 'full' },
      channel: 'app',
    })
    assert.include(await holdOf(second), { real_fen: 200, bonus_fen: 0 })
    assert.equal(await orderField(second, 'cap_fen'), 200)

    // The second settles first: its deduction leaves the bonus the first order holds.
    await chargeEightHours(fixture, second)
    assert.deepEqual(await settlementsOf(second), [
      { real_out: 200, bonus_out: 0, real_after: 100 },
    ])
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, first, { minutes: 480, watts: 100 })
    )
    assert.deepEqual(await settlementsOf(first), [{ real_out: 100, bonus_out: 300, real_after: 0 }])
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 0 })
    await assertLedgerVerifies(assert)
  })
})

test.group('Wallet holds: the other ends of an order', () => {
  test('a start the pile refuses, a start never confirmed and a pile gone offline release all', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
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
    const refusedByPile = await swipe(1)
    const neverStarted = await swipe(2)
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 1000 })

    await charging.starts.startFailed(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo: refusedByPile,
      reason: 'port_busy',
      at: new Date(),
    })
    const released = await holdOf(refusedByPile)
    assert.equal(released.status, 'released')
    assert.isNotNull(released.released_at)

    await new ChargingWatchdog().run(new Date(Date.now() + (START_TIMEOUT_SECONDS + 1) * 1000))
    assert.include(await orderRow(neverStarted), {
      status: 'abnormal',
      abnormal_reason: 'no_start',
    })
    assert.include(await holdOf(neverStarted), { status: 'released' })
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 1000, bonus: 0, held: 0 })

    // Started after all: held again, capped to what the wallet can still spend.
    const charged = await startedBySwipe(fixture)
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo: neverStarted,
      at: new Date(),
    })
    assert.include(await holdOf(neverStarted), { status: 'open', real_fen: 500 })
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 1000 })

    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    assert.include(await holdOf(neverStarted), { status: 'released' })
    assert.include(await holdOf(charged), { status: 'released' })
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 1000, bonus: 0, held: 0 })
    await assertLedgerVerifies(assert)
  })

  test('a retried settlement posts once and settles the hold once', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 90, watts: 100 })
    )
    const settled = await holdOf(orderNo)
    assert.include(settled, { status: 'settled', real_fen: 500, settled_fen: 150 })

    const retries = await Promise.all([
      charging.settlement.settle(fixture.system, orderNo),
      charging.settlement.settle(fixture.system, orderNo),
      charging.ends.settleEnd(
        fixture.system,
        endRecord(fixture, orderNo, { minutes: 90, watts: 100 })
      ),
    ])
    assert.deepEqual(
      retries.map((retry) => retry.settled),
      [true, true, true]
    )
    assert.deepEqual(await settlementsOf(orderNo), [
      { real_out: 150, bonus_out: 0, real_after: 850 },
    ])
    assert.deepEqual(await holdOf(orderNo), settled)
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 850, bonus: 0, held: 0 })
    await assertLedgerVerifies(assert)
  })
})

test.group('Wallet holds: spending held money', () => {
  test('a staff refund and a rider’s refund request cannot take held money; both sides see it held', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    const wallet = new WalletService()
    const refund = (amount: number) =>
      outcome(
        wallet.refund(fixture.asAdmin, {
          riderId: fixture.rider.id,
          projectId: fixture.project.id,
          amount,
          reason: '退卡',
          idempotencyKey: `hold-refund:${fixture.rider.id}:${amount}`,
        })
      )
    assert.equal(await refund(501), 'refundExceedsBalance')

    const balance = new RiderBalance()
    const rider = {
      tenantId: fixture.tenant.id,
      riderId: fixture.rider.id,
      projectId: fixture.project.id,
    }
    assert.equal(
      await outcome(balance.requestRefund(fixture.system, rider, { amount: 501, reason: '搬家' })),
      'amountAboveBalance'
    )
    assert.include(await balance.me(rider), {
      realBalance: 1000,
      bonusBalance: 0,
      heldRealFen: 500,
      heldBonusFen: 0,
    })

    // 用户管理 shows the held amount beside the balances.
    const riders = new RiderService(fixture.asAdmin, new AuditService())
    const { rows } = await riders.list({ phone: fixture.rider.phone })
    assert.deepInclude(rows[0], {
      realBalance: 1000,
      bonusBalance: 0,
      heldRealFen: 500,
      heldBonusFen: 0,
    })

    assert.equal(await refund(500), 'ok')
    assert.deepEqual(await availableOf(fixture.rider.id), { real: 0, bonus: 0, held: 500 })
    // The order still settles from what it held.
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 480, watts: 100 })
    )
    assert.deepEqual(await settlementsOf(orderNo), [{ real_out: 500, bonus_out: 0, real_after: 0 }])
    await assertLedgerVerifies(assert)
  })
})

test.group('Wallet holds: ledger verify', () => {
  test('a hold left open on a finished order, holds above the balance and an order billed above its hold are reported', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    const hold = await holdOf(orderNo)
    const verify = async () => {
      const result = await new LedgerVerifier().verify()
      return result.violation
    }
    try {
      await owner().from('charging_orders').where('order_no', orderNo).update({
        status: 'cancelled',
      })
      assert.equal(
        await verify(),
        `hold ${hold.id} (tenant ${fixture.tenant.id}) is open on order ${orderNo}, which is cancelled`
      )
      await owner().from('charging_orders').where('order_no', orderNo).update({
        status: 'charging',
      })

      await owner().from('wallet_holds').where('id', hold.id).update({ real_fen: 1200 })
      assert.equal(
        await verify(),
        `wallet ${hold.wallet_id} (tenant ${fixture.tenant.id}): open holds real 1200 / bonus 0 fen exceed its balances real 1000 / bonus 0 fen`
      )
      await owner().from('wallet_holds').where('id', hold.id).update({ real_fen: 500 })

      await owner().from('wallet_holds').where('id', hold.id).update({
        status: 'settled',
        settled_fen: 600,
      })
      assert.equal(
        await verify(),
        `order ${orderNo} (tenant ${fixture.tenant.id}) billed 600 fen, above its hold ${hold.id} of 500 fen`
      )
    } finally {
      // Put it back so the rest of the run sees a whole ledger.
      await owner().from('charging_orders').where('order_no', orderNo).update({
        status: 'charging',
      })
      await owner().from('wallet_holds').where('id', hold.id).update({
        status: 'open',
        real_fen: 500,
        settled_fen: null,
      })
    }
    assert.isNull(await verify())
  })
})
