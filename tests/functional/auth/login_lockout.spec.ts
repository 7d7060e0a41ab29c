import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { memorySession } from '#tests/helpers/browser'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import LoginService, {
  ACCOUNT_ATTEMPTS,
  LOGIN_ATTEMPTS,
  LoginFailure,
} from '#services/auth/login_service'
import CaptchaService from '#services/auth/captcha_service'
import Staff from '#models/staff'

/** A second staff member of the tenant, with no role: signing in needs none. */
async function memberOf(tenantId: number) {
  const password = 'member-pass-1'
  const staff = await Staff.create(
    {
      tenantId,
      account: `member_${tenantId}`,
      name: '成员',
      password,
      status: 'active',
      mustChangePassword: false,
    },
    { connection: 'owner' }
  )
  return { staff, password }
}

async function loginFrom(staff: Staff, ip: string, password: string) {
  const logins = await app.container.make(LoginService)
  const session = memorySession()
  const captcha = new CaptchaService()
  captcha.issue(session)
  return logins
    .attempt({ session, ip, account: staff.account, password, captcha: captcha.peek(session)! })
    .catch((failure) => failure)
}

test.group('Login lockout', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a stranger failing from one IP locks only that IP out of the account', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    for (let attempt = 0; attempt < LOGIN_ATTEMPTS.requests; attempt++) {
      await loginFrom(staff, '203.0.113.9', 'guess')
    }
    const stranger = await loginFrom(staff, '203.0.113.9', password)
    assert.instanceOf(stranger, LoginFailure)
    assert.equal(stranger.reason, 'tooManyAttempts')

    const owner = await loginFrom(staff, '198.51.100.7', password)
    assert.notInstanceOf(owner, Error)
    assert.equal(owner.id, staff.id)
  }).timeout(300_000)

  test('a super admin unlocks an account locked from many IPs, and the unlock is audited', async ({
    assert,
  }) => {
    const admin = await createTenantWithStaff()
    const member = await memberOf(admin.tenant.id)
    for (let attempt = 0; attempt < ACCOUNT_ATTEMPTS.requests; attempt++) {
      await loginFrom(member.staff, `10.1.${attempt}.1`, 'guess')
    }
    const locked = await loginFrom(member.staff, '10.2.0.1', member.password)
    assert.equal(locked.reason, 'tooManyAttempts')

    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const response = await browser.send(
      'DELETE',
      `/permissions/staff/${member.staff.id}/lockout`,
      {},
      '/permissions/staff'
    )
    assert.equal(response.status, 302)
    const page = await browser.get('/permissions/staff')
    assert.equal(page.page!.props.flash.success, '已解锁，该管理员可立即重新登录')

    const unlocked = await loginFrom(member.staff, '10.2.0.1', member.password)
    assert.equal(unlocked.id, member.staff.id)
    const audit = await db
      .connection('owner')
      .from('audit_logs')
      .where({ tenant_id: admin.tenant.id, action: 'staff.unlock_login' })
      .first()
    assert.equal(audit.staff_id, admin.staff.id)
    assert.equal(audit.target_id, String(member.staff.id))
  }).timeout(600_000)

  test('the unlock lifts the lock of the IP the failures came from', async ({ assert }) => {
    const admin = await createTenantWithStaff()
    const member = await memberOf(admin.tenant.id)
    const clerk = new BrowserSession()
    for (let attempt = 0; attempt < LOGIN_ATTEMPTS.requests; attempt++) {
      await clerk.login({ account: member.staff.account, password: 'wrong-guess' })
    }
    const blocked = await clerk.login({ account: member.staff.account, password: member.password })
    assert.equal(blocked.status, 429)

    const browser = new BrowserSession()
    // The admin signs in from the same address: reset only the counts it is not about.
    await browser.login({ account: admin.staff.account, password: admin.password })
    await browser.send('DELETE', `/permissions/staff/${member.staff.id}/lockout`)

    const again = await clerk.login({ account: member.staff.account, password: member.password })
    assert.equal(again.location, '/')
  }).timeout(600_000)

  test('only a super admin may unlock; another tenant gets 404', async ({ assert }) => {
    const manager = await createTenantWithStaff({ roles: ['operator'] })
    const browser = new BrowserSession()
    await browser.login({ account: manager.staff.account, password: manager.password })
    const refused = await browser.send('DELETE', `/permissions/staff/${manager.staff.id}/lockout`)
    assert.equal(refused.status, 403)

    const stranger = await createTenantWithStaff()
    const other = new BrowserSession()
    await other.login({ account: stranger.staff.account, password: stranger.password })
    const hidden = await other.send('DELETE', `/permissions/staff/${manager.staff.id}/lockout`)
    assert.equal(hidden.status, 404)
    const audit = await db
      .connection('owner')
      .from('audit_logs')
      .whereIn('tenant_id', [manager.tenant.id, stranger.tenant.id])
      .where('action', 'staff.unlock_login')
    assert.lengthOf(audit, 0)
  }).timeout(300_000)
})
