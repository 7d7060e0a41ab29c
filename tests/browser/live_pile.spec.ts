import { test } from '@japa/runner'
import DeviceEventService from '#services/operations/device_event_service'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import { deviceFixture, freshDnyKey } from '#tests/functional/devices/helpers'

/*
| The pile page follows the gateway live: changes applied through
| DeviceEventService (as the gateway applies them) show without a reload.
| The page polls only when its SSE channel fails, so what shows here came
| over SSE. Committed data, unique names (no global transaction).
*/
test.group('Pile page live (SSE)', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a heartbeat and a port status show on the open page without a reload', async ({
    visit,
    assert,
  }) => {
    const { registry, station, vendor, staff, password } = await deviceFixture(['maintenance'])
    const deviceKey = freshDnyKey()
    const pile = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey,
      name: `直播桩${process.pid}`,
      portCount: 2,
    })
    const page = await logIn(visit, staff.account, password)
    const subscribed = page.waitForResponse((response) =>
      response.url().endsWith('/__transmit/subscribe')
    )
    await page.goto(`/operations/piles/${pile.id}`)
    await page.assertText(page.getByTestId('pile-online'), '离线')
    await page.assertText(page.getByTestId('port-2').getByTestId('port-state'), '离线')
    const subscription = await subscribed
    if (subscription.status() !== 204) throw new Error(`subscribe: ${subscription.status()}`)
    // Marks this document: a reload would lose the mark.
    await page.evaluate('window.loadedOnce = true')

    const events = new DeviceEventService()
    await events.recordHeartbeat('vendor-dny', deviceKey, {
      ports: [
        { portNo: 1, state: 'idle' },
        { portNo: 2, state: 'idle' },
      ],
    })
    await page.assertText(page.getByTestId('pile-online'), '在线')
    await page.assertText(page.getByTestId('port-2').getByTestId('port-state'), '空闲')

    await events.applyPortStatus('vendor-dny', deviceKey, {
      portNo: 2,
      state: 'charging',
      powerDeciwatts: 1500,
    })
    await page.assertText(page.getByTestId('port-2').getByTestId('port-state'), '充电中')
    await page.assertTextContains(page.getByTestId('port-2'), '150.0 W')
    // Still the same document: nothing reloaded it.
    assert.isTrue(await page.evaluate('window.loadedOnce === true'))
  }).timeout(60000)
})
