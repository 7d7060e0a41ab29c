import { test } from '@japa/runner'
import type { Locator, Page } from 'playwright'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import WalletService from '#core/wallet/wallet_service'
import { createRider, setCardFee } from '#tests/functional/cards/helpers'
import {
  charging,
  chargingFixture,
  endRecord,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { logIn } from '#tests/helpers/browser'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| The manual's words and screens (operator-manual-2021, chapters 开卡, 订单,
| 账户流水) on the 1366×768 screen of a counter PC: each test has a tenant
| of its own (no global transaction in browser tests).
*/

const SCREEN = { width: 1366, height: 768 }

/** Whether an element's content is wider than the element (it scrolls sideways). */
function overflow(locator: Locator) {
  return locator.evaluate((element: { scrollWidth: number; clientWidth: number }) => ({
    scrollWidth: element.scrollWidth,
    clientWidth: element.clientWidth,
  }))
}

/** The 序号 cells of a list's table, as numbers. */
async function serials(page: Page, table: string) {
  const cells = await page.getByTestId(table).getByTestId('serial').allTextContents()
  return cells.map((text) => Number(text.trim()))
}

test.group('The manual’s words and screens', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('开卡 tells the card fee before anything is typed, and 查询 by phone alone finds the rider or says 用户不存在', async ({
    visit,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff({
      roles: ['operator'],
    })
    await setCardFee(project.id, 500)
    const rider = await createRider(tenant.id, { name: '郭一' })
    const page = await logIn(visit, staff.account, password)
    await page.setViewportSize(SCREEN)

    await page.goto('/riders/cards/issue')
    await page.assertTextContains(
      page.getByTestId('issue-fee-banner'),
      '充电卡需收取 5.00 元工本费，办理后不支持退款，请用户确认同意后再付款'
    )
    await page.assertTextContains(page.getByTestId('issue-fee-banner'), '注意')
    await page.assertExists(page.getByLabel('IC卡编号', { exact: true }))

    // A phone nobody registered: the manual's 用户不存在.
    await page.getByLabel('手机号', { exact: true }).fill('13900000000')
    await page.getByTestId('issue-lookup').click()
    await page.assertText(page.getByTestId('issue-error'), '用户不存在')
    await page.assertNotExists(page.getByTestId('issue-rider'))

    // The rider's phone alone: who they are, before any card is typed.
    await page.getByLabel('手机号', { exact: true }).fill(rider.phone)
    await page.getByTestId('issue-lookup').click()
    await page.assertTextContains(page.getByTestId('issue-rider'), '郭一')
    await page.assertTextContains(page.getByTestId('issue-rider'), rider.phone)
    await page.assertNotExists(page.getByTestId('issue-error'))
    await page.assertNotExists(page.getByTestId('issue-confirm'))
  }).timeout(60000)

  test('订单 fits a 1366 px screen and filters by 姓名', async ({ visit, assert }) => {
    const fixture = await chargingFixture()
    const named = await createRider(fixture.tenant.id, { name: '王小明' })
    await new WalletService().topUpCash(fixture.asAdmin, {
      riderId: named.id,
      projectId: fixture.project.id,
      realAmount: 1000,
      idempotencyKey: `manual-words:${named.id}`,
    })

    const cardOrder = await startedBySwipe(fixture, new Date(Date.now() - 40 * 60_000))
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, cardOrder, { minutes: 30, watts: 150 })
    )
    const { orderNo: namedOrder } = await charging.remote.startRemote(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      riderId: named.id,
      durationType: { kind: 'full' },
      channel: 'app',
    })

    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.setViewportSize(SCREEN)
    await page.goto('/orders')
    const rows = page.getByTestId('orders-table').locator('tbody tr')
    await page.assertElementsCount(rows, 2)

    const table = await overflow(page.getByTestId('orders-table').locator('.v-table__wrapper'))
    assert.isAtMost(table.scrollWidth, table.clientWidth)
    const screen = await overflow(page.locator('html'))
    assert.isAtMost(screen.scrollWidth, screen.clientWidth)

    const filters = page.getByTestId('orders-filters')
    for (const label of ['订单编号', '订单状态', '姓名', '手机号', '下单方式', '下单时间']) {
      await page.assertExists(filters.getByText(label, { exact: true }).first())
    }
    await page.assertExists(filters.getByText('项目名称', { exact: true }).first())
    await page.assertExists(filters.getByText('厂商名称', { exact: true }).first())

    await filters.getByLabel('姓名', { exact: true }).fill('小明')
    await page.getByTestId('orders-search').click()
    await page.assertElementsCount(rows, 1)
    await page.assertExists(page.getByTestId(`order-row-${namedOrder}`))
    await page.assertTextContains(rows.first(), '王小明')
    await page.assertNotExists(page.getByTestId(`order-row-${cardOrder}`))
  }).timeout(60000)

  test('序号 counts across pages, and a day picked in the zh-CN date picker filters the list', async ({
    visit,
    assert,
  }) => {
    const { tenant, staff, password } = await createTenantWithStaff({ roles: ['super_admin'] })
    // Registered at noon in Shanghai: 22 on the 3rd of this month, 3 on the 20th.
    const month = DateTime.utc().startOf('month')
    const noonOn = (day: number) => month.set({ day, hour: 4 }).toJSDate()
    const riders = Array.from({ length: 25 }, (_, index) => ({
      tenant_id: tenant.id,
      name: `序号${index + 1}`,
      phone: `135${String(process.pid % 10000).padStart(4, '0')}${String(index).padStart(4, '0')}`,
      status: 'normal',
      source: 'offline',
      registered_at: noonOn(index < 22 ? 3 : 20),
      created_at: new Date(),
      updated_at: new Date(),
    }))
    await db.connection('owner').table('riders').insert(riders)

    const page = await logIn(visit, staff.account, password)
    await page.setViewportSize(SCREEN)
    page.setDefaultTimeout(20000)
    await page.goto('/riders')
    const rows = page.getByTestId('riders-table').locator('tbody tr')
    await rows.first().waitFor()
    await page.assertElementsCount(rows, 20)
    assert.deepEqual(
      await serials(page, 'riders-table'),
      Array.from({ length: 20 }, (_, index) => index + 1)
    )
    await page.getByRole('button', { name: '下一页' }).click()
    await page.assertElementsCount(rows, 5)
    assert.deepEqual(await serials(page, 'riders-table'), [21, 22, 23, 24, 25])

    // 注册开始日期: the 10th of this month, picked in the calendar.
    await page.goto('/riders')
    await page.getByTestId('rider-filters').getByLabel('注册开始日期', { exact: true }).click()
    const picker = page.locator('.v-date-picker')
    await page.assertExists(picker.getByText('一', { exact: true }))
    await picker
      .locator('.v-date-picker-month__day:not(.v-date-picker-month__day--adjacent)')
      .getByText('10', { exact: true })
      .click()
    const typed = await page
      .getByTestId('rider-filters')
      .getByLabel('注册开始日期', { exact: true })
      .inputValue()
    assert.match(typed, new RegExp(`^${month.year}\\D+0?${month.month}\\D+10`))
    await page.getByTestId('rider-search').click()
    await page.waitForURL(`**/riders?**from=${month.set({ day: 10 }).toISODate()}**`)
    await page.assertElementsCount(rows, 3)
    assert.deepEqual(await serials(page, 'riders-table'), [1, 2, 3])
  }).timeout(120000)
})
