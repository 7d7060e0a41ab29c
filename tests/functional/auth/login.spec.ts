import { test } from '@japa/runner'
import { memorySession } from '#tests/helpers/browser'
import testUtils from '@adonisjs/core/services/test_utils'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import app from '@adonisjs/core/services/app'
import { NAVIGATION } from '#services/navigation'
import LoginService, {
  ACCOUNT_ATTEMPTS,
  IP_ATTEMPTS,
  LOGIN_ATTEMPTS,
  LoginFailure,
} from '#services/auth/login_service'
import CaptchaService from '#services/auth/captcha_service'
import Staff from '#models/staff'
import db from '@adonisjs/lucid/services/db'
import env from '#start/env'

test.group('Login', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => resetLoginLimits())

  test('right account, password and captcha sign the staff member in', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()

    const response = await browser.login({ account: staff.account, password })
    assert.equal(response.status, 302)
    assert.equal(response.location, '/')

    const home = await browser.get('/')
    assert.equal(home.status, 200)
    assert.equal(home.page?.component, 'home')
    assert.equal(home.page?.props.staff.name, staff.name)

    await staff.refresh()
    assert.isNotNull(staff.lastLoginAt)
  })

  test('a wrong password is refused with a clear message', async ({ assert }) => {
    const { staff } = await createTenantWithStaff()
    const browser = new BrowserSession()

    const response = await browser.login({ account: staff.account, password: 'wrong-password' })
    assert.equal(response.status, 302)
    assert.equal(response.location, '/login')
    assert.equal(await browser.flashedError(), '账号或密码错误')

    const home = await browser.get('/')
    assert.equal(home.location, '/login')
  })

  test('an unknown account reads exactly like a wrong password', async ({ assert }) => {
    const browser = new BrowserSession()
    await browser.login({ account: 'nobody', password: 'whatever' })
    assert.equal(await browser.flashedError(), '账号或密码错误')
  })

  test('a wrong captcha is refused before the password is looked at', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.get('/login')
    const answer = await browser.captcha()

    await browser.post('/login', { account: staff.account, password, captcha: `${answer}x` })
    assert.equal(await browser.flashedError(), '验证码错误')
    const home = await browser.get('/')
    assert.equal(home.location, '/login')
  })

  test('a captcha answers once: reusing it fails', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.get('/login')
    const answer = await browser.captcha()

    await browser.post('/login', { account: staff.account, password: 'wrong', captcha: answer })
    await browser.post('/login', { account: staff.account, password, captcha: answer })
    assert.equal(await browser.flashedError(), '验证码错误')
  })

  test('an expired captcha is refused with its own message', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.get('/login')
    const answer = await browser.captcha()
    // Age the stored captcha past its lifetime, as if the clerk walked away.
    const sessions = await db.from('sessions').select('id', 'data')
    for (const row of sessions) {
      const data = JSON.parse(row.data)
      if (data.message.login_captcha) {
        data.message.login_captcha.expiresAt = Date.now() - 1000
        await db
          .from('sessions')
          .where('id', row.id)
          .update({ data: JSON.stringify(data) })
      }
    }

    await browser.post('/login', { account: staff.account, password, captcha: answer })
    assert.equal(await browser.flashedError(), '验证码已过期，请刷新后重新输入')
  })

  test('missing fields get field errors and change nothing', async ({ assert }) => {
    const { staff } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.get('/login')
    const response = await browser.post('/login', { account: '', password: '', captcha: '' })
    assert.equal(response.status, 302)
    const page = await browser.get('/login')
    assert.equal(page.page?.props.errors.account, '请填写账号')
    await staff.refresh()
    assert.isNull(staff.lastLoginAt)
  })

  test('after repeated failures the login is blocked, even with the right password', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()

    for (let attempt = 0; attempt < LOGIN_ATTEMPTS.requests; attempt++) {
      await browser.login({ account: staff.account, password: 'wrong' })
      assert.equal(await browser.flashedError(), '账号或密码错误')
    }

    const blocked = await browser.login({ account: staff.account, password })
    assert.equal(blocked.status, 429)
    assert.equal(await browser.flashedError(), '登录尝试过于频繁，请 15 分钟后再试')
    const home = await browser.get('/')
    assert.equal(home.location, '/login')
  }).timeout(300_000)

  test('a disabled account cannot sign in and is not told why', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    await Staff.query({ connection: 'owner' }).where('id', staff.id).update({ status: 'disabled' })
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    assert.equal(await browser.flashedError(), '账号或密码错误')
  })

  test('staff of a suspended tenant cannot sign in', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff({ tenantStatus: 'suspended' })
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    assert.equal(await browser.flashedError(), '所属运营商已停用，请联系平台')
  })

  test('a form post without the CSRF token is refused', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.get('/login')
    const answer = await browser.captcha()
    const response = await fetch(`http://${env.get('HOST')}:${env.get('PORT')}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account: staff.account, password, captcha: answer }),
      redirect: 'manual',
    })
    assert.equal(response.status, 302)
    await staff.refresh()
    assert.isNull(staff.lastLoginAt)
  })

  test('remember-me keeps the staff member signed in after the browser is closed', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    const remembered = new BrowserSession()
    await remembered.login({ account: staff.account, password, remember: 'true' })
    assert.include(remembered.cookieNames(), 'remember_web')
    remembered.closeBrowser()
    const home = await remembered.get('/')
    assert.equal(home.status, 200)

    const forgotten = new BrowserSession()
    await forgotten.login({ account: staff.account, password })
    assert.notInclude(forgotten.cookieNames(), 'remember_web')
    forgotten.closeBrowser()
    const again = await forgotten.get('/')
    assert.equal(again.location, '/login')
  })

  test('logging out ends the session on the server', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })

    const logout = await browser.post('/logout')
    assert.equal(logout.location, '/login')
    const home = await browser.get('/')
    assert.equal(home.location, '/login')
  })
})

test.group('Admin shell', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('pages need a signed-in staff member', async ({ client }) => {
    for (const path of ['/', '/riders', '/finance/payments', '/logs/logins']) {
      const response = await client.get(path).redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
  })

  test('every menu page opens as a page of its own for a staff member allowed to see it', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    const paths = NAVIGATION.flatMap((section) => section.items.map((item) => item.path))
    assert.equal(new Set(paths).size, paths.length)
    for (const path of paths) {
      const response = await browser.get(path)
      assert.equal(response.status, 200, `${path} answered ${response.status}`)
      assert.isString(response.page?.component, `${path} is not an Inertia page`)
    }
  })

  test('the home page shows the staff member own tenant and projects', async ({ assert }) => {
    const { staff, password, tenant, project } = await createTenantWithStaff()
    await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    const home = await browser.get('/')
    const props = home.page!.props
    assert.equal(props.tenant.name, tenant.name)
    assert.deepEqual(props.projects, [{ id: project.id, name: project.name }])
    assert.equal(props.staffCount, 1)
    assert.deepEqual(
      props.navigation.map((section: { key: string }) => section.key),
      [
        'home',
        'riders',
        'orders',
        'finance',
        'cards',
        'operations',
        'data',
        'permissions',
        'settings',
        'logs',
      ]
    )
  })

  test('the locale switch takes only supported locales', async ({ assert }) => {
    const browser = new BrowserSession()
    await browser.get('/login')
    await browser.post('/locale', { locale: 'fr' })
    const unchanged = await browser.get('/login')
    assert.equal(unchanged.page?.props.locale, 'zh-CN')
    assert.exists(unchanged.page?.props.errors.locale)

    await browser.post('/locale', { locale: 'en' })
    const english = await browser.get('/login')
    assert.equal(english.page?.props.locale, 'en')
    assert.match(english.text, /<html lang="en">/)
  })
})

test.group('Login limits beyond one account from one IP', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('one IP trying many accounts is blocked, even for an account it never tried', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    for (let attempt = 0; attempt < IP_ATTEMPTS.requests; attempt++) {
      await browser.login({ account: `nobody_${attempt}`, password: 'guess' })
    }
    const blocked = await browser.login({ account: staff.account, password })
    assert.equal(blocked.status, 429)
    assert.equal(await browser.flashedError(), '登录尝试过于频繁，请 15 分钟后再试')
    // Each attempt costs an N=2^17 scrypt hash, seconds apiece on a busy machine.
  }).timeout(600_000)

  test('one account guessed from many IPs is blocked for every IP', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const logins = await app.container.make(LoginService)
    const session = memorySession()
    const tryFrom = async (ip: string, secret: string) => {
      const captcha = new CaptchaService()
      captcha.issue(session)
      return logins.attempt({
        session,
        ip,
        account: staff.account,
        password: secret,
        captcha: captcha.peek(session)!,
      })
    }

    for (let attempt = 0; attempt < ACCOUNT_ATTEMPTS.requests; attempt++) {
      await assert.rejects(() => tryFrom(`10.0.${attempt}.1`, 'guess'))
    }
    const error = await tryFrom('10.9.9.9', password).catch((failure) => failure)
    assert.instanceOf(error, LoginFailure)
    assert.equal(error.reason, 'tooManyAttempts')
  }).timeout(600_000)
})
