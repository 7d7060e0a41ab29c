import { test } from '@japa/runner'
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

test.group('Wallet: concurrent postings', () => {
  test('200 concurrent 1-yuan charges against 100 yuan without overdraft: exactly 100 succeed', async ({
    assert,
  }) => {
    const { tenant, project, asSystem } = await walletFixture({ overdraftLimit: 0 })
    const rider = await createRider(tenant.id)
    const target = { riderId: rider.id, projectId: project.id }
    await wallet.topUpQr(asSystem, { ...target, paymentId: `p-${rider.id}`, realAmount: 10000 })

    const started = performance.now()
    // Each charge is its own TenantContext.run: its own transaction on a pooled connection.
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        outcome(
          wallet.deduct(asSystem, { ...target, orderNo: `o-${index}`, sequence: 1, amount: 100 })
        )
      )
    )
    const seconds = (performance.now() - started) / 1000
    console.log(
      `200 concurrent charges on one wallet: ${seconds.toFixed(2)} s, ${(200 / seconds).toFixed(0)} postings/s`
    )

    assert.equal(outcomes.filter((result) => result === 'ok').length, 100)
    assert.equal(outcomes.filter((result) => result === 'insufficientBalance').length, 100)
    assert.include(await walletOf(rider.id), { real_balance: 0, bonus_balance: 0 })
    assert.lengthOf(await entriesOf(rider.id), 101)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
    assert.include(verify.output, 'ledger ok:')
  }).timeout(60_000)

  test('mixed top-ups, charges and refunds from many connections keep every balance equal to its entries', async ({
    assert,
  }) => {
    const { tenant, project, asStaff, asSystem } = await walletFixture({ overdraftLimit: 500 })
    const riders = await Promise.all(Array.from({ length: 4 }, () => createRider(tenant.id)))
    for (const rider of riders) {
      await wallet.topUpQr(asSystem, {
        riderId: rider.id,
        projectId: project.id,
        paymentId: `p-${rider.id}`,
        realAmount: 5000,
        bonusAmount: 200,
      })
    }

    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, index) => {
        const rider = riders[index % riders.length]
        const target = { riderId: rider.id, projectId: project.id }
        const amount = 50 + ((index * 37) % 700)
        const posting =
          index % 3 === 0
            ? wallet.topUpQr(asSystem, {
                ...target,
                paymentId: `m-${rider.id}-${index}`,
                realAmount: amount,
              })
            : index % 3 === 1
              ? wallet.deduct(asSystem, { ...target, orderNo: `m-${index}`, sequence: 1, amount })
              : wallet.refund(asStaff, {
                  ...target,
                  amount: Math.ceil(amount / 3),
                  reason: '测试退款',
                  idempotencyKey: `r-${rider.id}-${index}`,
                })
        return outcome(posting).then((result) => ({ rider: rider.id, result }))
      })
    )
    for (const result of outcomes) {
      assert.oneOf(result.result, ['ok', 'insufficientBalance', 'refundExceedsBalance'])
    }

    for (const rider of riders) {
      const entries = await entriesOf(rider.id)
      const succeeded = outcomes.filter((o) => o.rider === rider.id && o.result === 'ok').length
      assert.lengthOf(entries, succeeded + 1)
      const real = entries.reduce((sum, e) => sum + e.real_in - e.real_out, 0)
      const bonus = entries.reduce((sum, e) => sum + e.bonus_in - e.bonus_out, 0)
      assert.include(await walletOf(rider.id), { real_balance: real, bonus_balance: bonus })
      assert.isAtLeast(real, -500)
    }
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(60_000)
})
