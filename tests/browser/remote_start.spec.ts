import { test } from '@japa/runner'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import { charging, chargingFixture, events, owner } from '#tests/functional/charging/helpers'

/*
| 运维 → 充电桩 → 端口 → 启动充电 in a browser: staff start a free test charge
| (免费测试) from the pile page; the pile's part (confirming the start and
| reporting the port charging) is played by the charging service and the
| device events, as the gateway does, and the open page follows live.
*/
test.group('Staff remote start on the pile page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff start a 免费测试 charge with a reason and see the port go 充电中', async ({
    visit,
    assert,
  }) => {
    const fixture = await chargingFixture({ roles: ['maintenance'] })
    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto(`/operations/piles/${fixture.pile.id}`)
    await page.assertText(page.getByTestId('port-2').getByTestId('port-state'), '空闲')

    await page.getByTestId('port-2').getByTestId('port-start').click()
    const dialog = page.getByTestId('remote-start-dialog')
    await dialog.getByLabel('免费测试').check()
    await dialog.getByTestId('remote-start-reason').locator('input').fill('维修后测试端口')
    await page.getByTestId('remote-start-submit').click()
    await page.assertTextContains(page.locator('body'), '启动指令已提交')

    const order = await owner()
      .from('charging_orders')
      .where({ pile_id: fixture.pile.id, port_no: 2 })
      .firstOrFail()
    assert.isTrue(order.free_test)
    assert.isNull(order.rider_id)

    // The pile confirms the start and reports the port charging.
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 2,
      orderNo: order.order_no,
      at: new Date(),
    })
    await events.applyPortStatus('vendor-dny', fixture.deviceKey, {
      portNo: 2,
      state: 'charging',
      powerDeciwatts: 1200,
    })
    await page.assertText(page.getByTestId('port-2').getByTestId('port-state'), '充电中')
  }).timeout(60000)
})
