import { test } from '@japa/runner'
import type { Page } from 'playwright'
import { resetLoginLimits } from '#tests/helpers/login'
import { phoneContext } from '#tests/helpers/browser'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { allowResend, inboxCode, type Fixture } from '#tests/functional/h5/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'

/*
| One rider signed in on two phones, a balance that covers one 充满自停 cap
| (¥5.00): both press 开始充电 on two ports at once. The wallet's holds are
| placed under its row lock, so one start holds the ¥5.00 and the other is
| refused 余额不足; the holds never exceed the balance.
*/

async function signInBySms(phone: Page, fixture: Fixture, path: string) {
  await allowResend(fixture, fixture.rider.phone)
  await phone.goto(path)
  await phone.getByLabel('手机号').fill(fixture.rider.phone)
  await phone.getByRole('button', { name: '获取验证码' }).click()
  await phone.getByText('验证码已发送').first().waitFor()
  await phone
    .getByLabel('验证码', { exact: true })
    .fill(await inboxCode(fixture, fixture.rider.phone))
  await phone.getByRole('button', { name: '登录', exact: true }).click()
  await phone.getByTestId('h5-available-balance').filter({ hasText: '¥5.00' }).waitFor()
  await phone.getByTestId('h5-duration').getByLabel('充满自停').check()
}

/** Where a press of 开始充电 led: the order page, or the port page with the refusal shown. */
async function outcomeOf(phone: Page): Promise<'started' | string> {
  const refusal = phone.getByTestId('flash')
  for (let tries = 0; tries < 100; tries += 1) {
    if (/\/h5\/orders\/[^/]+$/.test(new URL(phone.url()).pathname)) return 'started'
    if (await refusal.isVisible()) {
      const text = await refusal.textContent()
      return text?.trim() ?? ''
    }
    await phone.waitForTimeout(200)
  }
  return 'no answer'
}

test.group('Two starts at once on one balance, in two phone browsers', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('one rider, two phones, ¥5.00 for one cap: one start holds it, the other is refused 余额不足', async ({
    browser,
    cleanup,
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 500 })
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const phones = await Promise.all(
      [1, 2].map(async () => {
        const context = await phoneContext(browser)
        cleanup(() => context.close())
        return context.newPage()
      })
    )
    await signInBySms(phones[0], fixture, `/h5/p/${pile.public_code}/1`)
    await signInBySms(phones[1], fixture, `/h5/p/${pile.public_code}/2`)
    await phones[1].assertTextContains(phones[1].locator('body'), '充满自停最多扣 ¥5.00')

    await Promise.all(
      phones.map((phone) => phone.getByRole('button', { name: '开始充电' }).click())
    )
    const outcomes = await Promise.all(phones.map(outcomeOf))
    assert.sameMembers(outcomes, ['started', '余额不足'])

    // One order, holding the whole ¥5.00; the balance itself untouched until settlement.
    const orders = await owner()
      .from('charging_orders')
      .where('rider_id', fixture.rider.id)
      .whereNot('status', 'cancelled')
    assert.lengthOf(orders, 1)
    assert.equal(Number(orders[0].cap_fen), 500)
    const holds = await owner()
      .from('wallet_holds')
      .where({ rider_id: fixture.rider.id, status: 'open' })
    assert.deepEqual(
      holds.map((hold) => Number(hold.real_fen) + Number(hold.bonus_fen)),
      [500]
    )
    const wallet = await owner().from('wallets').where('rider_id', fixture.rider.id).firstOrFail()
    assert.deepInclude(wallet, { real_balance: 500, bonus_balance: 0 })

    // The refused phone, reloaded, shows the money held and nothing left to start with.
    const refused = phones[outcomes.indexOf('余额不足')]
    await refused.reload()
    await refused.getByTestId('h5-held-balance').filter({ hasText: '¥5.00' }).waitFor()
    assert.equal(await refused.getByTestId('h5-available-balance').textContent(), '¥0.00')

    const verified = await runLedgerVerify()
    assert.equal(verified.code, 0, verified.output)
  }).timeout(90_000)
})
