import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import {
  createRider,
  entriesOf,
  outcome,
  runLedgerVerify,
  walletFixture,
  walletOf,
} from '#tests/functional/wallet/helpers'

const wallet = new WalletService()
let keys = 0
const key = () => `req-${process.pid}-${++keys}`

test.group('Wallet: posting rules', () => {
  test('a counter top-up credits real and bonus money, records the operator and is audited', async ({
    assert,
  }) => {
    const { tenant, project, staff, asStaff } = await walletFixture()
    const rider = await createRider(tenant.id)
    const { entry, duplicate } = await wallet.topUpCash(asStaff, {
      riderId: rider.id,
      projectId: project.id,
      realAmount: 5000,
      bonusAmount: 100,
      idempotencyKey: key(),
    })
    assert.isFalse(duplicate)
    assert.include(entry.toJSON(), {
      detailType: 'counter_topup',
      realIn: 5000,
      bonusIn: 100,
      realAfter: 5000,
      bonusAfter: 100,
      operatorStaffId: staff.id,
    })
    assert.match(entry.entryNo, /^\d{16}$/)
    assert.include(await walletOf(rider.id), { real_balance: 5000, bonus_balance: 100 })
    const audit = await db
      .connection('owner')
      .from('audit_logs')
      .where({ tenant_id: tenant.id, action: 'wallet.topup_cash' })
      .firstOrFail()
    assert.deepEqual(audit.before, { realBalance: 0, bonusBalance: 0 })
    assert.include(audit.after, { realBalance: 5000, bonusBalance: 100, entryNo: entry.entryNo })
  })

  test('invalid amounts are refused with a clear message and write nothing', async ({ assert }) => {
    const { tenant, project, asStaff } = await walletFixture()
    const rider = await createRider(tenant.id)
    const topUp = (realAmount: any, bonusAmount?: any) =>
      outcome(
        wallet.topUpCash(asStaff, {
          riderId: rider.id,
          projectId: project.id,
          realAmount,
          bonusAmount,
          idempotencyKey: key(),
        })
      )
    assert.equal(await topUp(0), '充值金额必须大于 0')
    assert.equal(await topUp(-100), '充值金额必须大于 0')
    assert.equal(await topUp(1.5), '充值金额必须是整数（单位：分）')
    assert.equal(await topUp('100'), '充值金额必须是数字')
    assert.equal(await topUp(500001), '充值金额不能超过单次充值上限 ¥5000.00')
    assert.equal(await topUp(100, 0), '赠送金额必须大于 0')
    assert.equal(await topUp(1e12), '充值金额超出允许范围')
    assert.equal(
      await outcome(
        wallet.deduct(asStaff, {
          riderId: rider.id,
          projectId: project.id,
          orderNo: 'o1',
          sequence: 1,
          amount: 0,
        })
      ),
      '金额必须大于 0'
    )
    assert.equal(
      await outcome(
        wallet.refund(asStaff, {
          riderId: rider.id,
          projectId: project.id,
          amount: 100,
          reason: '  ',
          idempotencyKey: key(),
        })
      ),
      '请填写原因'
    )
    assert.isNull(await walletOf(rider.id))
    assert.lengthOf(await entriesOf(rider.id), 0)
  })

  test('a frozen rider can neither top up nor be charged, but can be refunded', async ({
    assert,
  }) => {
    const { tenant, project, asStaff, asSystem } = await walletFixture()
    const rider = await createRider(tenant.id)
    await wallet.topUpCash(asStaff, {
      riderId: rider.id,
      projectId: project.id,
      realAmount: 1000,
      idempotencyKey: key(),
    })
    await db.connection('owner').from('riders').where('id', rider.id).update({ status: 'frozen' })
    const target = { riderId: rider.id, projectId: project.id }
    assert.equal(
      await outcome(
        wallet.topUpCash(asStaff, { ...target, realAmount: 100, idempotencyKey: key() })
      ),
      'riderFrozen'
    )
    assert.equal(
      await outcome(wallet.topUpQr(asSystem, { ...target, paymentId: key(), realAmount: 100 })),
      'riderFrozen'
    )
    assert.equal(
      await outcome(wallet.deduct(asSystem, { ...target, orderNo: 'o1', sequence: 1, amount: 1 })),
      'riderFrozen'
    )
    assert.equal(
      await outcome(
        wallet.refund(asStaff, { ...target, amount: 1000, reason: '销户', idempotencyKey: key() })
      ),
      'ok'
    )
    assert.include(await walletOf(rider.id), { real_balance: 0, bonus_balance: 0 })
  })

  test('deduction order: bonus first or real first, as the project says', async ({ assert }) => {
    for (const [order, expected] of [
      ['bonus_first', { realOut: 200, bonusOut: 300, realAfter: 800, bonusAfter: 0 }],
      ['real_first', { realOut: 500, bonusOut: 0, realAfter: 500, bonusAfter: 300 }],
    ] as const) {
      const { tenant, project, asStaff, asSystem } = await walletFixture({ deductionOrder: order })
      const rider = await createRider(tenant.id)
      const target = { riderId: rider.id, projectId: project.id }
      await wallet.topUpCash(asStaff, {
        ...target,
        realAmount: 1000,
        bonusAmount: 300,
        idempotencyKey: key(),
      })
      const { entry } = await wallet.deduct(asSystem, {
        ...target,
        orderNo: `2104201038028700${keys}`,
        sequence: 1,
        amount: 500,
      })
      assert.include(entry.toJSON(), { ...expected, detailType: 'charge_settlement' }, order)
      assert.isNull(entry.operatorStaffId)
    }
  })

  test('real first takes bonus once the real balance is spent, then overdraws real', async ({
    assert,
  }) => {
    const { tenant, project, asStaff, asSystem } = await walletFixture({
      deductionOrder: 'real_first',
      overdraftLimit: 200,
    })
    const rider = await createRider(tenant.id)
    const target = { riderId: rider.id, projectId: project.id }
    await wallet.topUpCash(asStaff, {
      ...target,
      realAmount: 100,
      bonusAmount: 50,
      idempotencyKey: key(),
    })
    const { entry } = await wallet.deduct(asSystem, {
      ...target,
      orderNo: 'o-rf',
      sequence: 1,
      amount: 300,
    })
    assert.include(entry.toJSON(), { realOut: 250, bonusOut: 50, realAfter: -150, bonusAfter: 0 })
  })

  test('overdraft is allowed down to the limit and refused past it', async ({ assert }) => {
    const { tenant, project, asStaff, asSystem } = await walletFixture({ overdraftLimit: 200 })
    const rider = await createRider(tenant.id)
    const target = { riderId: rider.id, projectId: project.id }
    await wallet.topUpCash(asStaff, { ...target, realAmount: 100, idempotencyKey: key() })
    const charge = (sequence: number, amount: number) =>
      outcome(wallet.deduct(asSystem, { ...target, orderNo: 'o-od', sequence, amount }))
    assert.equal(await charge(1, 301), 'insufficientBalance')
    assert.equal(await charge(2, 296), 'ok')
    assert.equal(await charge(3, 5), 'insufficientBalance')
    assert.equal(await charge(4, 4), 'ok')
    assert.include(await walletOf(rider.id), { real_balance: -200, bonus_balance: 0 })
    const entries = await entriesOf(rider.id)
    assert.lengthOf(entries, 3)
    // Settlements of one order share its number as their order number (订单编号).
    assert.deepEqual(
      entries.slice(1).map((row) => row.entry_no),
      ['o-od', 'o-od']
    )
  })

  test('a refund returns real money only, never more than the real balance, and forfeits the bonus', async ({
    assert,
  }) => {
    const { tenant, project, staff, asStaff } = await walletFixture()
    const rider = await createRider(tenant.id)
    const target = { riderId: rider.id, projectId: project.id }
    await wallet.topUpCash(asStaff, {
      ...target,
      realAmount: 2000,
      bonusAmount: 300,
      idempotencyKey: key(),
    })
    assert.equal(
      await outcome(
        wallet.refund(asStaff, { ...target, amount: 2001, reason: '多退', idempotencyKey: key() })
      ),
      'refundExceedsBalance'
    )
    const { entry } = await wallet.refund(asStaff, {
      ...target,
      amount: 1500,
      reason: '用户搬离小区',
      idempotencyKey: key(),
    })
    assert.include(entry.toJSON(), {
      detailType: 'refund',
      realOut: 1500,
      bonusOut: 300,
      realAfter: 500,
      bonusAfter: 0,
      reason: '用户搬离小区',
      operatorStaffId: staff.id,
    })
    const audit = await db
      .connection('owner')
      .from('audit_logs')
      .where({ tenant_id: tenant.id, action: 'wallet.refund' })
      .firstOrFail()
    assert.include(audit.after, { realBalance: 500, bonusBalance: 0, reason: '用户搬离小区' })
    assert.equal(
      await outcome(
        wallet.refund(TenantContext.forJob(tenant.id), {
          ...target,
          amount: 1,
          reason: '自动',
          idempotencyKey: key(),
        })
      ),
      'operatorRequired'
    )
  })

  test('a correction reverses an entry exactly, once, and cannot itself be corrected', async ({
    assert,
  }) => {
    const { tenant, project, asStaff, asSystem } = await walletFixture()
    const rider = await createRider(tenant.id)
    const target = { riderId: rider.id, projectId: project.id }
    await wallet.topUpCash(asStaff, {
      ...target,
      realAmount: 1000,
      bonusAmount: 100,
      idempotencyKey: key(),
    })
    const { entry: charge } = await wallet.deduct(asSystem, {
      ...target,
      orderNo: 'o-c',
      sequence: 1,
      amount: 150,
    })
    const { entry: correction } = await wallet.correct(asStaff, {
      entryId: charge.id,
      reason: '设备重复上报',
    })
    assert.include(correction.toJSON(), {
      detailType: 'correction',
      realIn: charge.realOut,
      bonusIn: charge.bonusOut,
      realOut: 0,
      bonusOut: 0,
      realAfter: 1000,
      bonusAfter: 100,
      correctsEntryId: charge.id,
      reference: 'o-c',
    })
    const again = await wallet.correct(asStaff, { entryId: charge.id, reason: '再来一次' })
    assert.isTrue(again.duplicate)
    assert.equal(again.entry.id, correction.id)
    assert.equal(
      await outcome(wallet.correct(asStaff, { entryId: correction.id, reason: 'x' })),
      'correctionOfCorrection'
    )
    assert.include(await walletOf(rider.id), { real_balance: 1000, bonus_balance: 100 })
  })

  test('a duplicate idempotency key posts once', async ({ assert }) => {
    const { tenant, project, asSystem } = await walletFixture()
    const rider = await createRider(tenant.id)
    const target = { riderId: rider.id, projectId: project.id }
    const first = await wallet.topUpQr(asSystem, { ...target, paymentId: 'pay-1', realAmount: 800 })
    const retry = await wallet.topUpQr(asSystem, { ...target, paymentId: 'pay-1', realAmount: 800 })
    assert.isFalse(first.duplicate)
    assert.isTrue(retry.duplicate)
    assert.equal(retry.entry.id, first.entry.id)
    assert.equal(first.entry.reference, 'pay-1')

    // Twenty deliveries of one settlement at once: one entry, one deduction.
    const deliveries = await Promise.all(
      Array.from({ length: 20 }, () =>
        wallet.deduct(asSystem, { ...target, orderNo: 'o-dup', sequence: 1, amount: 300 })
      )
    )
    assert.equal(deliveries.filter((result) => !result.duplicate).length, 1)
    assert.lengthOf(new Set(deliveries.map((result) => result.entry.id)), 1)
    assert.include(await walletOf(rider.id), { real_balance: 500 })
    assert.lengthOf(await entriesOf(rider.id), 2)

    const other = await createRider(tenant.id)
    assert.equal(
      await outcome(
        wallet.topUpQr(asSystem, {
          riderId: other.id,
          projectId: project.id,
          paymentId: 'pay-1',
          realAmount: 800,
        })
      ),
      'keyReused'
    )
  })

  test('the app role cannot update or delete ledger rows; even the owner is refused', async ({
    assert,
  }) => {
    const { tenant, project, asSystem } = await walletFixture()
    const rider = await createRider(tenant.id)
    const { entry } = await wallet.topUpQr(asSystem, {
      riderId: rider.id,
      projectId: project.id,
      paymentId: `pay-${key()}`,
      realAmount: 100,
    })
    for (const [statement, attempt] of [
      [
        'UPDATE',
        (trx: any) => trx.from('ledger_entries').where('id', entry.id).update({ real_in: 1 }),
      ],
      ['DELETE', (trx: any) => trx.from('ledger_entries').where('id', entry.id).delete()],
      ['TRUNCATE', (trx: any) => trx.rawQuery('TRUNCATE ledger_entries')],
    ] as const) {
      const error = await asSystem
        .run(attempt)
        .then(() => null)
        .catch((caught) => caught)
      assert.equal(error?.code, '42501', statement)
      assert.include(error.message, 'permission denied for table ledger_entries', statement)
    }
    await assert.rejects(
      () =>
        db.connection('owner').from('ledger_entries').where('id', entry.id).update({ real_in: 1 }),
      /ledger_entries is insert-only \(UPDATE refused\)/
    )
    await assert.rejects(
      () => db.connection('owner').from('ledger_entries').where('id', entry.id).delete(),
      /ledger_entries is insert-only \(DELETE refused\)/
    )
  })

  test("tenant A's context sees none of tenant B's riders, wallets or entries, and cannot post to them", async ({
    assert,
  }) => {
    const mine = await walletFixture()
    const theirs = await walletFixture()
    const rider = await createRider(theirs.tenant.id)
    await wallet.topUpQr(theirs.asSystem, {
      riderId: rider.id,
      projectId: theirs.project.id,
      paymentId: `pay-${key()}`,
      realAmount: 100,
    })
    const seen = await mine.asSystem.run(async (trx) => ({
      riders: await trx.from('riders').where('id', rider.id),
      wallets: await trx.from('wallets').where('rider_id', rider.id),
      entries: await trx.from('ledger_entries').where('rider_id', rider.id),
    }))
    assert.deepEqual(seen, { riders: [], wallets: [], entries: [] })
    // With my own project but their rider, and with their project: both refused.
    assert.equal(
      await outcome(
        wallet.topUpQr(mine.asSystem, {
          riderId: rider.id,
          projectId: mine.project.id,
          paymentId: `pay-${key()}`,
          realAmount: 100,
        })
      ),
      'riderNotFound'
    )
    assert.equal(
      await outcome(
        wallet.topUpQr(mine.asSystem, {
          riderId: rider.id,
          projectId: theirs.project.id,
          paymentId: `pay-${key()}`,
          realAmount: 100,
        })
      ),
      'projectNotFound'
    )
    assert.include(await walletOf(rider.id), { real_balance: 100 })
  })

  test('ledger:verify names a wallet whose balance was tampered with', async ({ assert }) => {
    const { tenant, project, asSystem } = await walletFixture()
    const rider = await createRider(tenant.id)
    await wallet.topUpQr(asSystem, {
      riderId: rider.id,
      projectId: project.id,
      paymentId: `pay-${key()}`,
      realAmount: 700,
    })
    const stored = await walletOf(rider.id)
    const owner = db.connection('owner')
    await owner.from('wallets').where('id', stored.id).update({ real_balance: 900 })
    try {
      const broken = await runLedgerVerify()
      assert.equal(broken.code, 1, broken.output)
      assert.include(
        broken.output,
        `ledger violation: wallet ${stored.id} (tenant ${tenant.id}): stored balances real 900 / bonus 0 fen, but its 1 entries sum to real 700 / bonus 0 fen`
      )
      assert.notInclude(broken.output, 'ledger ok')
    } finally {
      // Put it back so the rest of the run sees a whole ledger.
      await owner.from('wallets').where('id', stored.id).update({ real_balance: 700 })
    }
    const intact = await runLedgerVerify()
    assert.equal(intact.code, 0, intact.output)
    assert.match(intact.output, /ledger ok: \d+ wallets, \d+ entries/)
  })
})
