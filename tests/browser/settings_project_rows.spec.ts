import { test } from '@japa/runner'
import Plan from '#models/plan'
import TopupPackage from '#models/topup_package'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'

const OWNER = { connection: 'owner' }

test.group('配置 → 充值套餐 and 套餐 pages', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an admin adds, edits and deletes a top-up package, then adds and edits a 包月 plan', async ({
    visit,
    assert,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff()
    const page = await logIn(visit, staff.account, password)

    await page.goto('/settings/packages')
    await page.getByTestId('new-package').click()
    await page.getByLabel('充值金额').fill('50')
    await page.getByLabel('赠送金额').fill('5.5')
    await page.getByRole('button', { name: '保存' }).click()
    const packageRow = page.getByTestId('packages-table').locator('tbody tr').first()
    await page.assertTextContains(packageRow, project.name)
    await page.assertTextContains(packageRow, '¥50.00')
    await page.assertTextContains(packageRow, '¥5.50')
    await page.assertTextContains(packageRow, '启用')

    await packageRow.getByRole('button', { name: '编辑' }).click()
    assert.equal(await page.getByLabel('充值金额').inputValue(), '50.00')
    await page.getByLabel('赠送金额').fill('8')
    await page.getByRole('button', { name: '保存' }).click()
    await page.assertTextContains(packageRow, '¥8.00')
    const [topupPackage] = await TopupPackage.query(OWNER).where('tenant_id', tenant.id)
    assert.deepEqual([topupPackage.amount, topupPackage.bonus], [5000, 800])

    page.once('dialog', (dialog) => dialog.accept())
    await packageRow.getByRole('button', { name: '删除' }).click()
    await page.assertTextContains(page.getByTestId('packages-table'), '还没有充值套餐')

    await page.goto('/settings/plans')
    await page.getByTestId('new-plan').click()
    await page.getByLabel('名称').fill('包月卡')
    await page.getByTestId('plan-price').locator('input').fill('30')
    await page.getByRole('button', { name: '保存' }).click()
    const planRow = page.getByTestId('plans-table').locator('tbody tr').first()
    await page.assertTextContains(planRow, project.name)
    await page.assertTextContains(planRow, '包月')
    await page.assertTextContains(planRow, '¥30.00')
    await page.assertTextContains(planRow, '30 天，每天 2 次，每次最长 4 小时')
    // 配置 → 套餐 has no 删除.
    assert.equal(await planRow.getByRole('button', { name: '删除' }).count(), 0)

    await planRow.getByRole('button', { name: '编辑' }).click()
    assert.equal(await page.getByLabel('名称').inputValue(), '包月卡')
    await page.getByLabel('名称').fill('包月卡（新）')
    await page.getByRole('button', { name: '保存' }).click()
    await page.assertTextContains(planRow, '包月卡（新）')
    const [plan] = await Plan.query(OWNER).where('tenant_id', tenant.id)
    assert.deepEqual([plan.kind, plan.priceFen, plan.chargesPerDay], ['monthly', 3000, 2])
  })
})
