import { test } from '@japa/runner'
import type { Browser } from 'playwright'
import { resetLoginLimits } from '#tests/helpers/login'
import { fillLoginForm, logIn } from '#tests/helpers/browser'
import { PASSWORD, grantsFixture } from '#tests/functional/access/fixture'

/** A second browser (its own cookies), as @japa/browser-client makes the first one. */
async function secondBrowser(browser: Browser) {
  return browser.newContext({
    baseURL: `http://${process.env.HOST}:${process.env.PORT}`,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
}

test.group('Sessions end in every browser when trust ends', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a password changed in one browser signs the other out; this one stays', async ({
    visit,
    browser,
    cleanup,
  }) => {
    const fixture = await grantsFixture()
    const clerk = fixture.staff.lesser.account
    const here = await logIn(visit, clerk, PASSWORD)
    const elsewhereContext = await secondBrowser(browser)
    cleanup(() => elsewhereContext.close())
    const elsewhere = await logIn(elsewhereContext.visit.bind(elsewhereContext), clerk, PASSWORD)

    await here.goto('/password')
    await here.getByLabel('当前密码', { exact: true }).fill(PASSWORD)
    await here.getByLabel('新密码', { exact: true }).fill('my-new-pass-1')
    await here.getByLabel('确认新密码', { exact: true }).fill('my-new-pass-1')
    await here.getByRole('button', { name: '保存' }).click()
    await here.assertPath('/')

    await elsewhere.reload()
    await elsewhere.assertPath('/login')
    await here.reload()
    await here.assertPath('/')
  })

  test('an admin resetting a password signs that staff member out of every browser', async ({
    visit,
    browser,
    cleanup,
  }) => {
    const fixture = await grantsFixture()
    const clerk = fixture.staff.lesser.account
    const clerkPages = []
    for (const remember of [true, false]) {
      const context = await secondBrowser(browser)
      cleanup(() => context.close())
      const page = await context.visit('/login')
      // One browser asks to be remembered: its remember-me token must end too.
      if (remember) await page.getByLabel('记住密码（公共电脑上请勿勾选）').check()
      await fillLoginForm(page, clerk, PASSWORD)
      await page.assertPath('/')
      clerkPages.push(page)
    }

    const admin = await logIn(visit, fixture.staff.boss.account, PASSWORD)
    await admin.goto('/permissions/staff')
    await admin
      .getByTestId('staff-table')
      .getByRole('row')
      .filter({ hasText: clerk })
      .getByRole('button', { name: '重置密码' })
      .click()
    await admin.getByLabel('新密码', { exact: true }).fill('reset-pass-22')
    await admin.getByRole('button', { name: '确定' }).click()
    await admin.assertTextContains(admin.getByTestId('flash'), '密码已重置')

    for (const page of clerkPages) {
      await page.reload()
      await page.assertPath('/login')
    }
  })
})
