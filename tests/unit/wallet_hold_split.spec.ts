import { test } from '@japa/runner'
import { available, spendable, splitDeduction } from '#core/wallet/wallet_holds'

/*
| What an order may hold and how a hold splits: the same rule the settlement
| applies to its deduction, applied to the balance minus the open holds.
*/

const bonusFirst = { deductionOrder: 'bonus_first' as const, overdraftLimit: 0 }
const realFirst = { deductionOrder: 'real_first' as const, overdraftLimit: 0 }

test.group('Wallet holds: splitting and spending', () => {
  test('the available balance is the balance minus open holds, real and bonus apart', ({
    assert,
  }) => {
    const wallet = { id: 1, realBalance: 1000, bonusBalance: 300, riderStatus: 'normal' as const }
    assert.deepEqual(available(wallet, { real: 600, bonus: 300 }), { real: 400, bonus: 0 })
  })

  test('spendable counts bonus money and real money down to the overdraft limit', ({ assert }) => {
    assert.equal(spendable({ real: 400, bonus: 100 }, bonusFirst), 500)
    assert.equal(spendable({ real: 0, bonus: 0 }, { ...bonusFirst, overdraftLimit: 300 }), 300)
    // Overdrawn past the limit (a limit lowered since): only the bonus is left.
    assert.equal(spendable({ real: -500, bonus: 100 }, { ...bonusFirst, overdraftLimit: 300 }), 100)
  })

  test('a hold splits in the project’s deduction order', ({ assert }) => {
    assert.deepEqual(splitDeduction(400, { real: 300, bonus: 300 }, bonusFirst), {
      realOut: 100,
      bonusOut: 300,
    })
    assert.deepEqual(splitDeduction(400, { real: 300, bonus: 300 }, realFirst), {
      realOut: 300,
      bonusOut: 100,
    })
    assert.deepEqual(splitDeduction(200, { real: 200, bonus: 0 }, bonusFirst), {
      realOut: 200,
      bonusOut: 0,
    })
  })

  test('more than the money available is refused, the overdraft limit counted', ({ assert }) => {
    assert.isNull(splitDeduction(601, { real: 300, bonus: 300 }, bonusFirst))
    assert.deepEqual(
      splitDeduction(601, { real: 300, bonus: 300 }, { ...bonusFirst, overdraftLimit: 1 }),
      { realOut: 301, bonusOut: 300 }
    )
  })
})
