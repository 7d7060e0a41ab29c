import { test } from '@japa/runner'
import { logIn } from '#tests/helpers/browser'
import { resetLoginLimits } from '#tests/helpers/login'
import { novemberFixture, ownerAccount } from '#tests/functional/owners/helpers'

/*
| An owner account (业主) in the browser: it signs in, its menu holds only
| 业主对账, and the statement shows its stations' figures without the
| operator's electricity cost or profit.
*/

test.group('业主', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an owner account signs in and sees only its statement', async ({ visit }) => {
    const fixture = await novemberFixture()
    const { account, password } = await ownerAccount(fixture, fixture.ownerId)

    const page = await logIn(visit, account, password)
    await page.goto('/data/owners?month=2026-11')
    const statement = page.getByTestId('owner-statement')
    await page.assertTextContains(statement, '东门站')
    await page.assertTextContains(statement, '西门站')
    // 15% of ¥6.00 net, and ¥0.08/kWh of 12.5 kWh: ¥1.90 due in all.
    await page.assertTextContains(page.getByTestId('owner-total'), '¥1.90')
    await page.assertNotExists(page.getByText('利润'))
    await page.assertNotExists(page.getByTestId('owner-select'))
    await page.assertNotExists(page.getByText('数据统计'))
    await page.assertNotExists(page.getByText('站点管理'))
  })
})
