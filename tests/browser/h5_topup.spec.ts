import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import TopupPackage from '#models/topup_package'
import TenantPluginService from '#plugins/tenant_plugins'
import TenantContext from '#core/tenancy/tenant_context'
import { resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { startPaymentWorker } from '#tests/functional/payments/helpers'
import { signInRider } from '#tests/helpers/browser'

test.group('H5 充值 on the phone', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a rider signs in by SMS, picks the ¥50 package, pays on the sandbox page and sees 支付成功 with the new balance', async ({
    visit,
    assert,
    cleanup,
  }) => {
    const queue = await startPaymentWorker()
    cleanup(() => queue.close())
    const fixture = await chargingFixture({ balance: 0 })
    // The sandbox served by this PileHub, as in `npm run dev`.
    await new TenantPluginService(await app.container.make('plugins')).save(
      TenantContext.forJob(fixture.tenant.id),
      {
        pluginId: 'payment-sandbox',
        projectId: null,
        enabled: true,
        config: { merchantId: `h5t-${fixture.tenant.id}`, signingKey: 'h5-topup-browser-key' },
      }
    )
    await TopupPackage.createMany(
      [
        { amount: 2000, bonus: 0, sortOrder: 1 },
        { amount: 5000, bonus: 500, sortOrder: 2 },
      ].map((row) => ({
        ...row,
        tenantId: fixture.tenant.id,
        projectId: fixture.project.id,
        enabled: true,
      })),
      { connection: 'owner' }
    )
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const phone = await visit(`/h5/p/${pile.public_code}/1`)
    await phone.setViewportSize({ width: 390, height: 844 })

    await signInRider(phone, fixture, fixture.rider.phone)
    await phone.assertTextContains(phone.getByTestId('h5-me'), '您好')

    // 充值: the packages as staff set them, the 可用余额.
    await phone.getByTestId('h5-topup-link').click()
    await phone.waitForURL('**/h5/topup')
    await phone.assertText(phone.getByTestId('h5-topup-available'), '¥0.00')
    const fifty = phone.getByTestId('h5-topup-package-5000')
    await phone.assertTextContains(fifty, '¥50.00')
    await phone.assertTextContains(fifty, '送¥5.00')
    await fifty.locator('input').check()
    await phone.assertText(phone.getByTestId('h5-topup-pay'), '应付 ¥50.00')
    await phone.getByTestId('h5-topup-pay').click()

    // The sandbox's payer page stands for the provider's mobile page.
    await phone.waitForURL('**/plugins/payment-sandbox/pay/**')
    await phone.assertText(phone.getByTestId('amount'), '¥50.00')
    await phone.getByRole('button', { name: '支付' }).click()
    await phone.getByText('支付成功').waitFor()
    await phone.getByRole('link', { name: '返回商户' }).click()

    await phone.waitForURL(/\/h5\/topup\/P\d+$/)
    await phone.assertText(phone.getByTestId('h5-topup-status'), '支付成功')
    await phone.assertText(phone.getByTestId('h5-topup-balance'), '¥55.00')
    const wallet = await owner().from('wallets').where('rider_id', fixture.rider.id).first()
    assert.deepInclude(wallet, { real_balance: 5000, bonus_balance: 500 })
  }).timeout(90_000)
})
