import { test } from '@japa/runner'
import ChargingWatchdog, { START_TIMEOUT_SECONDS } from '#services/orders/charging_watchdog'
import WalletService from '#core/wallet/wallet_service'
import { createRider } from '#tests/functional/cards/helpers'
import {
  charging,
  chargingFixture,
  endRecord,
  orderField,
  startSeen,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { logIn } from '#tests/helpers/browser'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| 订单管理 and 异常订单 in the browser. The orders are made through the
| charging service as the gateway would report them; each test has a
| tenant of its own (no global transaction in browser tests).
*/

test.group('订单管理 and 异常订单', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff filter orders by phone and channel, filter 异常订单 by reason, then close an order the pile dropped', async ({
    visit,
    assert,
  }) => {
    const fixture = await chargingFixture()
    const appRider = await createRider(fixture.tenant.id)
    await new WalletService().topUpCash(fixture.asAdmin, {
      riderId: appRider.id,
      projectId: fixture.project.id,
      realAmount: 1000,
      idempotencyKey: `orders-browser:${appRider.id}`,
    })

    // A card charge on port 1, ended and settled.
    const cardOrder = await startedBySwipe(fixture, new Date(Date.now() - 40 * 60_000))
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, cardOrder, { minutes: 30, watts: 150 })
    )

    // An APP charge on port 2 by another rider, ended and settled.
    const { orderNo: appOrder } = await charging.remote.startRemote(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      riderId: appRider.id,
      durationType: { kind: 'full' },
      channel: 'app',
    })
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo: appOrder,
      at: new Date(Date.now() - 20 * 60_000),
    })
    // Billing trusts the platform's clock: it saw this start 20 minutes ago.
    await startSeen(appOrder, 20 * 60)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, appOrder, { minutes: 20, watts: 150, portNo: 2 })
    )

    // A card charge on port 3 cut short by the pile going offline: 异常订单.
    const decision = await charging.starts.authorizeCard(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 3,
      cardNo: fixture.cardNo,
      at: new Date(),
    })
    if (!decision.authorised) throw new Error(`swipe refused: ${decision.reason}`)
    const droppedOrder = decision.orderNo
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 3,
      orderNo: droppedOrder,
      at: new Date(),
    })
    // An APP start on port 4 the pile never confirms: 异常订单 once the watchdog looks.
    const { orderNo: unconfirmedOrder } = await charging.remote.startRemote(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 4,
      riderId: appRider.id,
      durationType: { kind: 'full' },
      channel: 'app',
    })
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    await new ChargingWatchdog().run(new Date(Date.now() + (START_TIMEOUT_SECONDS + 60) * 1000))

    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto('/orders')
    const rows = page.getByTestId('orders-table').locator('tbody tr')
    await page.assertElementsCount(rows, 4)

    // By phone: only the APP rider's two orders.
    const filters = page.getByTestId('orders-filters')
    await filters.getByLabel('手机号', { exact: true }).fill(appRider.phone)
    await page.getByTestId('orders-search').click()
    await page.assertElementsCount(rows, 2)
    await page.assertExists(page.getByTestId(`order-row-${appOrder}`))
    await page.assertExists(page.getByTestId(`order-row-${unconfirmedOrder}`))
    await page.assertTextContains(rows.first(), 'APP')
    await page.assertTextContains(rows.first(), appRider.phone)

    // By channel: the two card orders, whatever their state.
    await filters.getByRole('button', { name: '重置' }).click()
    await page.assertElementsCount(rows, 4)
    await filters.locator('.v-select').filter({ hasText: '下单方式' }).click()
    await page.getByRole('option', { name: '刷卡' }).click()
    await page.getByTestId('orders-search').click()
    await page.assertElementsCount(rows, 2)
    await page.assertExists(page.getByTestId(`order-row-${cardOrder}`))
    await page.assertExists(page.getByTestId(`order-row-${droppedOrder}`))
    await page.assertNotExists(page.getByTestId(`order-row-${appOrder}`))

    // 异常订单 lists the dropped charge with its reason; 关闭 it with a reason.
    await page.goto('/orders/abnormal')
    const dropped = page.getByTestId(`order-row-${droppedOrder}`)
    await page.assertElementsCount(rows, 2)
    await page.assertTextContains(dropped, '充电中设备离线')
    await page.assertTextContains(
      page.getByTestId(`order-row-${unconfirmedOrder}`),
      '未收到启动确认'
    )

    // By reason: only the unconfirmed start, then back to both.
    const abnormalFilters = page.getByTestId('orders-filters')
    await abnormalFilters.locator('.v-select').filter({ hasText: '异常原因' }).click()
    await page.getByRole('option', { name: '未收到启动确认' }).click()
    await page.getByTestId('orders-search').click()
    await page.assertElementsCount(rows, 1)
    await page.assertExists(page.getByTestId(`order-row-${unconfirmedOrder}`))
    await abnormalFilters.getByRole('button', { name: '重置' }).click()
    await page.assertElementsCount(rows, 2)

    await page.getByTestId(`order-close-${droppedOrder}`).click()
    const dialog = page.locator('.v-dialog')
    await page.assertTextContains(dialog, `关闭订单 ${droppedOrder}（不扣费）`)
    await dialog.getByLabel('原因（必填）').fill('设备断电，用户未充上')
    await dialog.getByRole('button', { name: '确定', exact: true }).click()
    await page.assertTextContains(page.getByTestId('flash'), `订单 ${droppedOrder} 已关闭`)
    await page.assertNotExists(dropped)
    await page.assertElementsCount(rows, 1)

    // Back in 订单管理 it shows as cancelled, with the note kept on the order.
    await page.goto('/orders')
    await page.assertTextContains(page.getByTestId(`order-row-${droppedOrder}`), '已取消')
    assert.equal(await orderField(droppedOrder, 'status'), 'cancelled')
    assert.equal(await orderField(droppedOrder, 'resolution_note'), '设备断电，用户未充上')
  }).timeout(60000)
})
