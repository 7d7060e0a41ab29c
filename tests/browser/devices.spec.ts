import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn, waitForImage } from '#tests/helpers/browser'
import { publicUrl } from '#config/app'

test.group('Devices pages', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('运维 staff create a station, register a 10-port pile, and stop its port 3', async ({
    visit,
  }) => {
    const { tenant, staff, password } = await createTenantWithStaff({ roles: ['maintenance'] })
    const now = new Date()
    await db.connection('owner').table('vendors').insert({
      tenant_id: tenant.id,
      name: '科爵',
      plugin_id: 'vendor-dny',
      created_at: now,
      updated_at: now,
    })
    const stationName = `浏览器站点${process.pid}`
    const deviceKey = `05${(process.pid % 0xffffff).toString(16).toUpperCase().padStart(6, '0')}`
    const page = await logIn(visit, staff.account, password)

    // 站点管理 → 新增站点 (the project is preselected).
    await page.goto('/operations/stations')
    await page.getByTestId('new-station').click()
    await page.getByTestId('station-name').locator('input').fill(stationName)
    await page.getByRole('button', { name: '保存', exact: true }).click()
    await page.assertTextContains(page.getByTestId('flash'), '已保存')
    await page.assertTextContains(page.getByTestId('stations-table'), stationName)

    // 设备管理 → 登记设备 at that station (preselected), 10 ports.
    await page.goto('/operations/piles')
    await page.getByTestId('new-pile').click()
    await page.getByTestId('pile-device-key').locator('input').fill(deviceKey)
    await page.getByTestId('pile-name').locator('input').fill('一号桩')
    await page.getByTestId('pile-port-count').locator('input').fill('10')
    await page.getByRole('button', { name: '保存', exact: true }).click()
    await page.waitForURL('**/operations/piles/*')

    // The detail page: offline, 10 ports.
    await page.assertText(page.getByTestId('pile-title'), '一号桩')
    await page.assertText(page.getByTestId('pile-online'), '离线')
    await page.assertElementsCount(page.getByTestId('ports-table').locator('tbody tr'), 10)
    await page.assertText(page.getByTestId('port-3').getByTestId('port-state'), '离线')

    // Each port shows its H5 address (absolute) and the QR code of it for the sticker.
    const pile = await db
      .connection('owner')
      .from('piles')
      .where({ tenant_id: tenant.id, device_key: deviceKey })
      .firstOrFail()
    const h5Url = `${publicUrl}/h5/p/${pile.public_code}/3`
    await page.assertText(page.getByTestId('port-3').getByTestId('port-h5-url'), h5Url)
    await page.getByTestId('port-3').getByTestId('port-qr').click()
    const sticker = page.getByTestId('port-qr-dialog')
    await page.assertTextContains(sticker, '一号桩 · 3 号端口 扫码充电')
    await page.assertTextContains(sticker, h5Url)
    await waitForImage(page, '[data-testid=port-qr-image] img')
    await sticker.getByRole('button', { name: '关闭' }).click()
    await page.assertNotExists(sticker)

    // 远程停止 on port 3, confirmed: listed as 已提交.
    await page.getByTestId('port-3').getByTestId('port-stop').click()
    await page.assertTextContains(page.locator('.v-dialog'), '确定远程停止 3 号端口的充电？')
    await page.getByRole('button', { name: '确定', exact: true }).click()
    await page.assertTextContains(page.getByTestId('flash'), '指令已提交')
    const commands = page.getByTestId('commands-table').locator('tbody tr')
    await page.assertElementsCount(commands, 1)
    await page.assertTextContains(commands.first(), '远程停止')
    await page.assertTextContains(commands.first(), '3 号端口')
    await page.assertText(commands.first().getByTestId('command-status'), '已提交')
  }).timeout(60000)
})
