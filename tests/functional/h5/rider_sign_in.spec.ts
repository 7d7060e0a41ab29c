import { spawn } from 'node:child_process'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import vine from '@vinejs/vine'
import type { Session } from '@adonisjs/session'
import env, { refuseDevelopmentFlags } from '#start/env'
import { publicUrl } from '#config/app'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { definePlugin } from '#sdk/define_plugin'
import PluginRegistry from '#plugins/registry'
import TenantPluginService from '#plugins/tenant_plugins'
import H5Refusal from '#services/h5/h5_refusal'
import { H5_LOGIN_PURPOSE } from '#services/h5/rider_sign_in'
import VerificationCodeService from '#core/sms/verification_code_service'
import RiderSignInGuard, { SEND_LIMITS, WRONG_CODE_LIMITS } from '#services/h5/rider_sign_in_guard'
import { BrowserSession, resetLoginLimits, type PageResponse } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import {
  allowResend,
  flashError,
  freshPhone,
  inboxCode,
  logIn,
  pageProp,
  portPath,
  sendCode,
  type Fixture,
} from '#tests/functional/h5/helpers'

/*
| Rider sign-in gives nothing away: the same answers for any phone until a
| right code is given, codes shown only under the development flag, and
| sends and wrong codes bounded. Over real HTTP from one IP (127.0.0.1);
| limits across many IPs are checked on the guard itself.
*/

const wrongFor = (code: string) => (code === '000000' ? '000001' : '000000')

async function codeRows(fixture: Fixture, phone: string) {
  return owner()
    .from('sms_verification_codes')
    .where({ tenant_id: fixture.tenant.id, phone })
    .orderBy('id')
}

/** Runs `work` with the development flag set, as `npm run dev` sets it. */
async function withDevFlag(work: () => Promise<void>) {
  env.set('DEV_SHOW_SMS_CODES', true)
  try {
    await work()
  } finally {
    env.set('DEV_SHOW_SMS_CODES', false)
    delete process.env.DEV_SHOW_SMS_CODES
  }
}

async function refusalOf(work: Promise<unknown>) {
  const error = await work.then(
    () => null,
    (reason: unknown) => reason
  )
  return error instanceof H5Refusal ? error.reason : error
}

test.group('Rider sign-in gives nothing away', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('registered and unregistered phones get byte-identical answers to 获取验证码 and a wrong code', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const path = await portPath(fixture)

    async function answers(phone: string) {
      await resetLoginLimits()
      const browser = new BrowserSession()
      await browser.get(path)
      const seen = ({ status, location, text }: PageResponse) => ({ status, location, text })
      const page = (props: Record<string, any>) => ({
        login: props.login,
        flash: props.flash,
        me: props.me,
        captchaRequired: props.captchaRequired,
      })
      const sent = seen(await browser.send('POST', `${path}/code`, { phone }, path))
      const afterSend = page(await browser.props(path))
      const code = await inboxCode(fixture, phone)
      const refused = seen(await logIn(browser, path, { phone, code: wrongFor(code) }))
      const afterLogin = page(await browser.props(path))
      return JSON.stringify({ sent, afterSend, refused, afterLogin }).replaceAll(phone, 'PHONE')
    }

    const registered = await answers(fixture.rider.phone)
    const unregistered = await answers(freshPhone())
    assert.equal(registered, unregistered)
    assert.include(registered, '验证码已发送')
    assert.include(registered, '验证码错误')
    assert.notInclude(registered, 'registered')
  })

  test('a code never appears in an answer without the development flag; with it the page shows it', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const path = await portPath(fixture)
    const browser = new BrowserSession()
    await browser.get(path)
    const phone = fixture.rider.phone

    const sent = await sendCode(browser, path, phone)
    const page = await browser.get(path)
    const code = await inboxCode(fixture, phone)
    assert.notInclude(sent.text, code)
    assert.notInclude(page.text, code)
    assert.deepEqual(page.page!.props.login, { phone, devCode: null, needsName: false })

    await withDevFlag(async () => {
      await allowResend(fixture, phone)
      await sendCode(browser, path, phone)
      const { login } = await browser.props(path)
      assert.equal(login.devCode, await inboxCode(fixture, phone))
    })
  })

  test('production refuses to boot with the development flag', async ({ assert }) => {
    assert.throws(
      () => refuseDevelopmentFlags({ NODE_ENV: 'production', DEV_SHOW_SMS_CODES: true }),
      /DEV_SHOW_SMS_CODES is a development flag/
    )
    refuseDevelopmentFlags({ NODE_ENV: 'production', DEV_SHOW_SMS_CODES: false })
    refuseDevelopmentFlags({ NODE_ENV: 'development', DEV_SHOW_SMS_CODES: true })

    // The real boot: env validation stops `node ace` before anything else runs.
    // Without this run's embedded-database marker, so the child sees the DATABASE_URL below.
    const inherited = { ...process.env }
    delete inherited.PILEHUB_EMBEDDED_DATABASE
    const child = spawn(process.execPath, ['ace', 'list'], {
      cwd: app.makePath(),
      env: {
        ...inherited,
        NODE_ENV: 'production',
        DEV_SHOW_SMS_CODES: 'true',
        // Never reached: production only insists that a database is named.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.notEqual(exitCode, 0)
    assert.include(output, 'DEV_SHOW_SMS_CODES is a development flag')
  }).timeout(60_000)

  test('wrong codes are counted per phone: past the limit even the right code is refused, nothing spent', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const path = await portPath(fixture)
    const browser = new BrowserSession()
    await browser.get(path)
    const phone = fixture.rider.phone

    await sendCode(browser, path, phone)
    const first = await inboxCode(fixture, phone)
    for (let tries = 0; tries < WRONG_CODE_LIMITS.perPhone.requests; tries++) {
      await logIn(browser, path, { phone, code: wrongFor(first) })
    }
    await allowResend(fixture, phone)
    await sendCode(browser, path, phone)
    const code = await inboxCode(fixture, phone)
    await logIn(browser, path, { phone, code })
    assert.equal(await flashError(browser, path), '验证码错误次数过多，请 1 小时后再试')
    assert.isNull(await pageProp(browser, path, 'me'))
    const [, latest] = await codeRows(fixture, phone)
    assert.deepInclude(latest, { status: 'sent', attempts: 0, consumed_at: null })

    // Another phone from the same IP is not held back by this phone's count.
    const other = freshPhone()
    await sendCode(browser, path, other)
    await logIn(browser, path, { phone: other, code: await inboxCode(fixture, other) })
    assert.equal(await flashError(browser, path), '该手机号尚未开户，请填写姓名后登录')
  })

  test('wrong codes are counted per IP across phones', async ({ assert }) => {
    const fixture = await chargingFixture()
    const path = await portPath(fixture)
    const browser = new BrowserSession()
    await browser.get(path)

    // Spread over phones, each well under its own limit.
    const perPhone = WRONG_CODE_LIMITS.perPhone.requests - 2
    for (let wrong = 0; wrong < WRONG_CODE_LIMITS.perIp.requests; wrong += perPhone) {
      const phone = freshPhone()
      const tries = Math.min(perPhone, WRONG_CODE_LIMITS.perIp.requests - wrong)
      for (let attempt = 0; attempt < tries; attempt++) {
        await logIn(browser, path, { phone, code: '123456' })
      }
    }
    const phone = fixture.rider.phone
    await sendCode(browser, path, phone)
    await logIn(browser, path, { phone, code: await inboxCode(fixture, phone) })
    assert.equal(await flashError(browser, path), '验证码错误次数过多，请 1 小时后再试')
    assert.isNull(await pageProp(browser, path, 'me'))
    const [row] = await codeRows(fixture, phone)
    assert.deepInclude(row, { attempts: 0, consumed_at: null })
  })

  test('an image captcha is asked from the third send of an IP, and enforced; then sends stop', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const path = await portPath(fixture)
    const browser = new BrowserSession()
    await browser.get(path)

    for (let sent = 1; sent < SEND_LIMITS.captchaFromSend; sent++) {
      assert.isFalse(await pageProp(browser, path, 'captchaRequired'))
      await browser.send('POST', `${path}/code`, { phone: freshPhone() }, path)
      assert.isUndefined(await flashError(browser, path))
    }
    assert.isTrue(await pageProp(browser, path, 'captchaRequired'))

    const phone = freshPhone()
    await browser.send('POST', `${path}/code`, { phone }, path)
    assert.equal(await flashError(browser, path), '请输入图形验证码')
    const answer = await browser.captcha()
    await browser.send('POST', `${path}/code`, { phone, captcha: `${answer}x` }, path)
    assert.equal(await flashError(browser, path), '图形验证码错误，请重新输入')
    // Each image answers once: the refused one is gone.
    await browser.send('POST', `${path}/code`, { phone, captcha: answer }, path)
    assert.equal(await flashError(browser, path), '图形验证码错误，请重新输入')
    assert.lengthOf(await codeRows(fixture, phone), 0)

    await sendCode(browser, path, phone)
    assert.isUndefined(await flashError(browser, path))
    assert.lengthOf(await codeRows(fixture, phone), 1)

    // Up to the IP's limit, then no more, captcha or not.
    for (let sent = SEND_LIMITS.captchaFromSend; sent < SEND_LIMITS.perIp.requests; sent++) {
      await sendCode(browser, path, freshPhone())
      assert.isUndefined(await flashError(browser, path))
    }
    const refused = freshPhone()
    await sendCode(browser, path, refused)
    assert.equal(await flashError(browser, path), '获取验证码过于频繁，请稍后再试')
    assert.lengthOf(await codeRows(fixture, refused), 0)
  })

  test('sends are limited per pile across IPs, and per phone across IPs and piles', async ({
    assert,
  }) => {
    const guard = new RiderSignInGuard()
    // No captcha is due from a fresh IP, so no session is read.
    const session = null as unknown as Session
    const pileId = 9_000_001
    for (let sent = 0; sent < SEND_LIMITS.perPile.requests; sent++) {
      await guard.admitSend({ ip: `10.1.${sent}.1`, pileId, phone: freshPhone(), session })
    }
    const late = { ip: '10.2.0.1', phone: freshPhone(), session }
    assert.equal(await refusalOf(guard.admitSend({ ...late, pileId })), 'sendLimited')
    await guard.admitSend({ ...late, pileId: pileId + 1 })

    const phone = freshPhone()
    for (let sent = 0; sent < SEND_LIMITS.perPhone.requests; sent++) {
      await guard.admitSend({ ip: `10.3.${sent}.1`, pileId: 9_100_000 + sent, phone, session })
    }
    const again = { ip: '10.4.0.1', pileId: 9_200_000, session }
    assert.equal(await refusalOf(guard.admitSend({ ...again, phone })), 'sendLimited')
    await guard.admitSend({ ...again, phone: freshPhone() })
  })

  test('a provider error echoing the code keeps the code out of the log and the table', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const phone = fixture.rider.phone
    let sent = ''
    const registry = new PluginRegistry({ production: false, logger, publicUrl })
    registry.register(
      definePlugin({
        id: 'sms-echo',
        kind: 'sms',
        version: '0.1.0',
        config: vine.create({}),
        secrets: [],
        capabilities: ['verification-code'],
        create: () => ({
          async sendVerificationCode({ code }) {
            sent = code
            throw new PluginProviderError('sms-echo', 'SignatureDoesNotMatch', `signed: ${code}`)
          },
        }),
      })
    )
    await new TenantPluginService(registry).save(fixture.asAdmin, {
      pluginId: 'sms-echo',
      projectId: null,
      enabled: true,
      config: {},
    })
    const logged: unknown[] = []
    const warn = logger.warn
    logger.warn = ((...args: unknown[]) => logged.push(args)) as typeof logger.warn
    try {
      const codes = new VerificationCodeService(registry)
      await assert.rejects(() => codes.issue(fixture.system, phone, H5_LOGIN_PURPOSE))
    } finally {
      logger.warn = warn
    }
    assert.match(sent, /^\d{6}$/)
    const [row] = await codeRows(fixture, phone)
    assert.equal(row.status, 'failed')
    assert.include(row.failure, 'SignatureDoesNotMatch: signed: ******')
    assert.lengthOf(logged, 1)
    assert.include(JSON.stringify(logged), 'SignatureDoesNotMatch')
    assert.notInclude(JSON.stringify(logged), sent)
  })
})
