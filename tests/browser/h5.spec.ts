import { test } from '@japa/runner'
import type { Locator } from 'playwright'
import { resetLoginLimits } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  endRecord,
  orderField,
  owner,
  realBalance,
  startSeen,
} from '#tests/functional/charging/helpers'
import { inboxCode } from '#tests/functional/h5/helpers'

/*
| The rider H5 on a phone-sized screen, driven as a rider would: the
| gateway's part (the pile confirming, metering and ending the charge) is
| played by calling the charging service, as the gateway process does.
*/

/** Waits for a text the page gets by its 3 s poll (longer than an assertion's 5 s retries allow for). */
function polled(locator: Locator, text: string) {
  return locator.filter({ hasText: text }).waitFor({ timeout: 10_000 })
}

test.group('Rider H5 in a phone browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('scan, sign in by SMS code, start 充满自停, watch it live, stop, read the bill', async ({
    visit,
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const page = await visit(`/h5/p/${pile.public_code}/1`)
    await page.setViewportSize({ width: 390, height: 844 })

    // The port and its tariff, before signing in.
    await page.assertTextContains(page.getByTestId('h5-port'), '1号桩 · 1号口')
    await page.assertTextContains(page.getByTestId('h5-port'), '空闲')
    const tariff = page.getByTestId('h5-tariff-line')
    await page.assertTextContains(tariff.first(), '¥1.00/1小时')
    await page.assertTextContains(page.locator('body'), '充满自停最多扣 ¥5.00')

    // 获取验证码, then the code as the phone receives it (the page never shows it without the dev flag).
    await page.getByLabel('手机号').fill(fixture.rider.phone)
    await page.getByRole('button', { name: '获取验证码' }).click()
    await page.assertTextContains(page.locator('body'), '验证码已发送')
    await page.assertNotExists(page.getByTestId('h5-dev-code'))
    const code = await inboxCode(fixture, fixture.rider.phone)
    await page.getByLabel('验证码', { exact: true }).fill(code)
    await page.getByRole('button', { name: '登录', exact: true }).click()

    // Signed in: both balances in plain numbers.
    await page.assertText(page.getByTestId('h5-real-balance'), '¥10.00')
    await page.assertText(page.getByTestId('h5-bonus-balance'), '¥0.00')

    await page.getByTestId('h5-duration').getByLabel('充满自停').check()
    await page.getByRole('button', { name: '开始充电' }).click()
    await page.waitForURL('**/h5/orders/*')
    const orderNo = new URL(page.url()).pathname.split('/').at(-1)!
    await page.assertText(page.getByTestId('h5-order-status'), '等待设备启动')
    assert.equal(await orderField(orderNo, 'channel'), 'app')

    // The pile confirms and reports 150 W; the page picks it up on its next poll.
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo,
      at: new Date(Date.now() - 30 * 60_000),
    })
    // Billing trusts the platform's clock: it saw this start half an hour ago.
    await startSeen(orderNo, 30 * 60)
    await charging.meter.recordMeter(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo,
      powerDeciwatts: 1500,
      energyWattHours: 75,
      at: new Date(),
    })
    await polled(page.getByTestId('h5-order-status'), '充电中')
    await page.assertTextContains(page.getByTestId('h5-order'), '150 W')

    await page.getByRole('button', { name: '停止充电' }).click()
    await page.assertTextContains(page.getByTestId('h5-order'), '已发送停止指令，等待设备结束')

    // The pile ends the charge: 30 minutes at 1 元/小时.
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150, wattHours: 75 })
    )
    await polled(page.getByTestId('h5-order-status'), '充电完成')
    const lines = page.getByTestId('h5-bill-line')
    await page.assertElementsCount(lines, 1)
    await page.assertTextContains(lines.first(), '时长 30 分钟（¥1.00/1小时）')
    await page.assertTextContains(lines.first(), '¥0.50')
    await page.assertText(page.getByTestId('h5-bill-total'), '¥0.50')
    await page.assertText(page.getByTestId('h5-order-amount'), '¥0.50')
    assert.equal(await realBalance(fixture.rider.id), 950)
  }).timeout(60000)

  test('a new phone is asked for a name only after the right code, then opens an account', async ({
    visit,
  }) => {
    const fixture = await chargingFixture()
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const page = await visit(`/h5/p/${pile.public_code}/1`)
    await page.setViewportSize({ width: 390, height: 844 })
    const phone = `137${String(Date.now()).slice(-8)}`

    await page.getByLabel('手机号').fill(phone)
    await page.getByRole('button', { name: '获取验证码' }).click()
    await page.assertTextContains(page.locator('body'), '验证码已发送')
    await page.assertNotExists(page.getByTestId('h5-name'))
    await page.getByLabel('验证码', { exact: true }).fill(await inboxCode(fixture, phone))
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.assertTextContains(page.locator('body'), '该手机号尚未开户，请填写姓名后登录')

    await page.getByLabel('验证码', { exact: true }).fill(await inboxCode(fixture, phone))
    await page.getByLabel('姓名').fill('新骑手')
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.assertTextContains(page.getByTestId('h5-me'), '新骑手，您好')
  }).timeout(60000)
})
