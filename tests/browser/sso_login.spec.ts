import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { FakeDingTalk, useFakeVendor } from '#tests/helpers/oauth_server'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS } from '#core/access/permissions'
import StaffIdentityService from '#services/auth/sso/staff_identity_service'

/* The DingTalk button of a tenant's login page, through a real browser and a local DingTalk stand-in. */
const dingtalk = new FakeDingTalk({ clientId: 'ding_app_key', clientSecret: 'ding-secret-1' })

test.group('SSO login page', (group) => {
  group.setup(async () => {
    await dingtalk.start()
    const restore = useFakeVendor('dingtalk', dingtalk)
    return async () => {
      restore()
      await dingtalk.stop()
    }
  })

  test('钉钉登录 signs a linked staff member in', async ({ visit }) => {
    const { tenant, staff } = await createTenantWithStaff()
    const admin = new TenantContext(tenant.id, staff.id, null, new Set(PERMISSIONS))
    const service = await app.container.make(StaffIdentityService)
    await service.configureApp(admin, {
      provider: 'dingtalk',
      ...dingtalk.app,
      confirm: { clientSecret: dingtalk.app.clientSecret },
      enabled: true,
    })
    await service.linkIdentity(admin, staff.id, 'dingtalk', 'union-browser-1')
    dingtalk.signInAs('union-browser-1')

    const plain = await visit('/login')
    await plain.assertNotExists(plain.getByTestId('sso-dingtalk'))

    const page = await visit(`/login?tenant=${tenant.code}`)
    await page.assertNotExists(page.getByTestId('sso-wecom'))
    await page.getByRole('link', { name: '钉钉登录' }).click()

    await page.assertPath('/')
    await page.assertText(page.getByTestId('staff-name'), staff.name)
  })
})
