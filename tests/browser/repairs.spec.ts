import { test } from '@japa/runner'
import type { Browser } from 'playwright'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn, signInRider } from '#tests/helpers/browser'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'

/** The staff member's own browser (its own cookies), as @japa/browser-client makes the first one. */
function staffBrowser(browser: Browser) {
  return browser.newContext({
    baseURL: `http://${process.env.HOST}:${process.env.PORT}`,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
}

test.group('报修 reaching staff', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a rider reports a port on the phone, staff close it in 运维 → 报修工单, the rider sees 已关闭', async ({
    visit,
    browser,
    cleanup,
    assert,
  }) => {
    const fixture = await chargingFixture()
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const phone = await visit(`/h5/p/${pile.public_code}/2`)
    await phone.setViewportSize({ width: 390, height: 844 })

    // Signed in by SMS code at the port's page, as the H5 test does.
    await signInRider(phone, fixture, fixture.rider.phone)
    await phone.assertTextContains(phone.getByTestId('h5-me'), '您好')

    // 报修 → the form → submitted → 我的报修 with the report 待处理.
    await phone.getByTestId('h5-repair').click()
    await phone.waitForURL('**/repair')
    await phone.assertTextContains(phone.locator('body'), '1号桩 · 2号口')
    await phone.getByLabel('插座损坏').check()
    await phone.getByTestId('h5-repair-description').locator('textarea').first().fill('插座烧黑了')
    await phone.getByRole('button', { name: '提交报修' }).click()
    await phone.waitForURL('**/h5/repairs')
    await phone.assertTextContains(phone.getByTestId('flash'), '报修已提交')
    const report = phone.getByTestId('h5-repair-ticket').first()
    await phone.assertTextContains(report, '插座损坏')
    await phone.assertTextContains(report, '1号桩 · 2号口')
    await phone.assertText(report.getByTestId('h5-repair-status'), '待处理')

    // Staff, in their own browser: the ticket in 运维 → 报修工单, closed with a note.
    const context = await staffBrowser(browser)
    cleanup(() => context.close())
    const desk = await logIn(context.visit.bind(context), fixture.staff.account, fixture.password)
    await desk.getByTestId('top-nav').getByText('运维').click()
    await desk.getByTestId('side-menu').getByText('报修工单').click()
    await desk.assertPath('/operations/repairs')
    const row = desk.getByTestId('repairs-table').locator('tbody tr').first()
    await desk.assertTextContains(row, '插座损坏')
    await desk.assertTextContains(row, '插座烧黑了')
    await desk.assertTextContains(row, fixture.rider.phone)
    await desk.assertTextContains(row.getByTestId('repair-status'), '待处理')

    await row.getByTestId('repair-close').click()
    await desk.getByTestId('repair-close-note').locator('textarea').first().fill('已更换插座')
    await desk.getByTestId('repair-close-submit').click()
    await desk.assertTextContains(desk.getByTestId('flash'), '工单已关闭')
    await desk.assertTextContains(row.getByTestId('repair-status'), '已关闭')
    await desk.assertTextContains(row, '已更换插座')

    // Back on the phone: 我的报修 shows it closed, with what staff did.
    await phone.reload()
    await phone.assertText(report.getByTestId('h5-repair-status'), '已关闭')
    await phone.assertTextContains(report, '处理结果：已更换插座')
    const ticket = await owner().from('repair_tickets').where('rider_id', fixture.rider.id).first()
    assert.deepInclude(ticket, { status: 'closed', closed_by_staff_id: fixture.staff.id })
  }).timeout(120_000)
})
