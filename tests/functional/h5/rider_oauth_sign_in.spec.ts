import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import RiderOauthSettingsService from '#services/settings/rider_oauth_settings_service'
import { OAUTH_STATE_TTL_MS } from '#services/h5/oauth/oauth_state'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { freshPhone, inboxCode, portPath, type Fixture } from '#tests/functional/h5/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import WalletService from '#core/wallet/wallet_service'
import { startRiderOauthFake, type RiderOauthFake } from '#tests/fakes/rider_oauth_fake'

/*
| Riders opening a port inside WeChat or Alipay sign in through the
| tenant's own app (issue 17), against a local fake of both providers: the
| first sign-in opens a 游客 rider with its identity, later ones find it;
| forged, replayed or expired states, unknown codes and another tenant's
| app sign nobody in and say only a generic message.
*/

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN'
const ALIPAY_UA =
  'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0 Mobile Safari/537.36 AlipayClient/10.5.36.8000'
const FAILED = '登录未成功，请重试或使用手机号验证码登录'

let fake: RiderOauthFake

async function wechatApp(fixture: Fixture, appid = `wx${fixture.tenant.id}a1b2c3`) {
  const secret = `secret-${fixture.tenant.id}-${appid}`
  fake.addWechatApp(appid, secret)
  const service = await app.container.make(RiderOauthSettingsService)
  await service.configure(fixture.asAdmin, {
    provider: 'wechat',
    appId: appid,
    secret,
    confirm: { secret },
    enabled: true,
  })
  return { appid, secret }
}

async function alipayApp(fixture: Fixture) {
  const appId = `2021${String(fixture.tenant.id).padStart(12, '0')}`
  const keys = fake.addAlipayApp(appId)
  const service = await app.container.make(RiderOauthSettingsService)
  await service.configure(fixture.asAdmin, {
    provider: 'alipay',
    appId,
    secret: keys.privateKey,
    alipayPublicKey: keys.alipayPublicKey,
    confirm: { secret: keys.privateKey, alipayPublicKey: keys.alipayPublicKey },
    enabled: true,
  })
  return appId
}

const pathOf = (location: string) => {
  const url = new URL(location, 'http://placeholder')
  return `${url.pathname}${url.search}`
}

/** The provider's authorise page, as the rider's in-app browser follows it: back to our callback. */
async function authorize(location: string) {
  const response = await fetch(location, { redirect: 'manual' })
  const back = response.headers.get('location')
  if (response.status !== 302 || !back)
    throw new Error(`authorise page answered ${response.status}`)
  return pathOf(back)
}

/** Scans the port inside the app and follows every redirect to the callback's answer. */
async function scanInApp(browser: BrowserSession, path: string, ua: string) {
  const page = await browser.get(path, { 'user-agent': ua })
  if (page.status !== 302) throw new Error(`port page answered ${page.status}`)
  const redirect = await browser.get(page.location!, { 'user-agent': ua })
  const authorizeUrl = redirect.location!
  const callback = await authorize(authorizeUrl)
  const answer = await browser.get(callback, { 'user-agent': ua })
  return { page, authorizeUrl, callback, answer }
}

async function statusOf(browser: BrowserSession, path: string, ua?: string) {
  const response = await browser.get(path, ua ? { 'user-agent': ua } : {})
  return response.status
}

function identities(tenantId: number) {
  return owner().from('rider_identities').where('tenant_id', tenantId).orderBy('id')
}

async function signedInName(browser: BrowserSession, path: string) {
  const props = await browser.props(path)
  return props.me?.name as string | undefined
}

test.group('Rider sign-in inside WeChat and Alipay', (group) => {
  group.setup(async () => {
    fake = await startRiderOauthFake()
    return () => fake.stop()
  })
  group.each.setup(() => resetLoginLimits())

  test('inside WeChat the port page sends the rider to the tenant official account, and back signed in as 游客', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const { appid } = await wechatApp(fixture)
    const path = await portPath(fixture)
    const openid = `o_${fixture.tenant.id}_first`
    fake.wechatAs({ openid })

    const browser = new BrowserSession()
    const flow = await scanInApp(browser, path, WECHAT_UA)
    assert.equal(flow.page.location, `${path}/oauth/wechat`)
    const authorizeUrl = new URL(flow.authorizeUrl)
    assert.equal(authorizeUrl.pathname, '/connect/oauth2/authorize')
    assert.equal(authorizeUrl.hash, '#wechat_redirect')
    assert.deepEqual(
      [...authorizeUrl.searchParams.keys()],
      ['appid', 'redirect_uri', 'response_type', 'scope', 'state']
    )
    assert.equal(authorizeUrl.searchParams.get('appid'), appid)
    assert.equal(authorizeUrl.searchParams.get('scope'), 'snsapi_base')
    assert.equal(
      new URL(authorizeUrl.searchParams.get('redirect_uri')!).pathname,
      '/h5/oauth/wechat/callback'
    )
    assert.equal(flow.answer.status, 302)
    assert.equal(flow.answer.location, path)

    const name = await signedInName(browser, path)
    assert.match(name!, /^游客\d{4,}$/)
    const [identity] = await identities(fixture.tenant.id)
    assert.include(identity, { provider: 'wechat', app_id: appid, subject: openid })
    const rider = await owner().from('riders').where('id', identity.rider_id).firstOrFail()
    assert.include(rider, { name, phone: null, source: 'online', status: 'normal' })
    assert.equal(name, `游客${String(rider.guest_no).padStart(4, '0')}`)
    const wallet = await owner().from('wallets').where('rider_id', rider.id).first()
    assert.exists(wallet)
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'riders.create', target_id: String(rider.id) })
      .firstOrFail()
    assert.notInclude(JSON.stringify(audit), openid)

    // Signed in, the page no longer sends the rider away.
    const again = await browser.get(path, { 'user-agent': WECHAT_UA })
    assert.equal(again.status, 200)
  })

  test('a later sign-in with the same openid finds the same rider; another openid is another guest', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    await wechatApp(fixture)
    const path = await portPath(fixture)
    const openid = `o_${fixture.tenant.id}_returning`
    fake.wechatAs({ openid })
    await scanInApp(new BrowserSession(), path, WECHAT_UA)
    const [first] = await identities(fixture.tenant.id)

    const later = new BrowserSession()
    await scanInApp(later, path, WECHAT_UA)
    const rows = await identities(fixture.tenant.id)
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].rider_id, first.rider_id)
    assert.isAbove(
      new Date(rows[0].last_sign_in_at).getTime(),
      new Date(first.last_sign_in_at).getTime() - 1
    )
    const firstName = await signedInName(later, path)

    fake.wechatAs({ openid: `o_${fixture.tenant.id}_other` })
    const other = new BrowserSession()
    await scanInApp(other, path, WECHAT_UA)
    assert.lengthOf(await identities(fixture.tenant.id), 2)
    const otherName = await signedInName(other, path)
    assert.notEqual(otherName, firstName)
    assert.match(otherName!, /^游客\d{4,}$/)
  })

  test('使用微信昵称: with the rider’s consent (snsapi_userinfo) the guest takes the WeChat nickname', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    await wechatApp(fixture)
    const path = await portPath(fixture)
    fake.wechatAs({ openid: `o_${fixture.tenant.id}_nick`, nickname: '小王' })
    const browser = new BrowserSession()
    await scanInApp(browser, path, WECHAT_UA)
    assert.match((await signedInName(browser, path))!, /^游客/)
    const before = await browser.props(path)
    assert.deepEqual(before.oauth, { provider: 'wechat', guest: true, unnamed: true })

    const redirect = await browser.get(`${path}/oauth/wechat?profile=1`, {
      'user-agent': WECHAT_UA,
    })
    assert.equal(new URL(redirect.location!).searchParams.get('scope'), 'snsapi_userinfo')
    const answer = await browser.get(await authorize(redirect.location!), {
      'user-agent': WECHAT_UA,
    })
    assert.equal(answer.location, path)
    assert.equal(await signedInName(browser, path), '小王')
    const after = await browser.props(path)
    assert.deepEqual(after.oauth, { provider: 'wechat', guest: true, unnamed: false })
    assert.lengthOf(await identities(fixture.tenant.id), 1)
  })

  test('inside Alipay: auth_base through the tenant app, the code traded by a signed gateway call', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const appId = await alipayApp(fixture)
    const path = await portPath(fixture)
    const userId = `2088${String(fixture.tenant.id).padStart(12, '0')}`
    fake.alipayAs(userId)

    const browser = new BrowserSession()
    const flow = await scanInApp(browser, path, ALIPAY_UA)
    assert.equal(flow.page.location, `${path}/oauth/alipay`)
    const authorizeUrl = new URL(flow.authorizeUrl)
    assert.equal(authorizeUrl.pathname, '/oauth2/publicAppAuthorize.htm')
    assert.equal(authorizeUrl.searchParams.get('app_id'), appId)
    assert.equal(authorizeUrl.searchParams.get('scope'), 'auth_base')
    assert.equal(flow.answer.location, path)
    assert.match((await signedInName(browser, path))!, /^游客\d{4,}$/)
    const [identity] = await identities(fixture.tenant.id)
    assert.include(identity, { provider: 'alipay', app_id: appId, subject: userId })
  })

  test('outside WeChat and Alipay, or without an app set up, the page signs in by SMS as before', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const path = await portPath(fixture)
    const browser = new BrowserSession()
    assert.equal(await statusOf(browser, path, WECHAT_UA), 200)
    await wechatApp(fixture)
    assert.equal(await statusOf(browser, path, 'Mozilla/5.0 Safari/605.1'), 200)
    assert.equal(await statusOf(browser, path, ALIPAY_UA), 200)
  })

  test('refused: a forged, replayed or expired state, or a callback without one, signs nobody in', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    await wechatApp(fixture)
    const path = await portPath(fixture)
    fake.wechatAs({ openid: `o_${fixture.tenant.id}_csrf` })
    const browser = new BrowserSession()

    // Forged: a state this session was never given.
    const page = await browser.get(`${path}/oauth/wechat`, { 'user-agent': WECHAT_UA })
    const callback = new URL(await authorize(page.location!), 'http://placeholder')
    callback.searchParams.set('state', 'x'.repeat(32))
    const forged = await browser.get(`${callback.pathname}${callback.search}`)
    assert.equal(forged.status, 400)

    // Replayed: the real state once more after a successful sign-in (from another browser too).
    const victim = new BrowserSession()
    const flow = await scanInApp(victim, path, WECHAT_UA)
    assert.equal(flow.answer.location, path)
    const replayed = await victim.get(flow.callback)
    assert.equal(replayed.status, 400)
    const attacker = new BrowserSession()
    assert.equal(await statusOf(attacker, flow.callback), 400)

    // Expired.
    const late = new BrowserSession()
    const sent = await late.get(`${path}/oauth/wechat`, { 'user-agent': WECHAT_UA })
    const lateCallback = await authorize(sent.location!)
    const realNow = Date.now
    Date.now = () => realNow() + OAUTH_STATE_TTL_MS + 1000
    let expired
    try {
      expired = await late.get(lateCallback)
    } finally {
      Date.now = realNow
    }
    assert.equal(expired.status, 400)

    // Malformed input and no state at all.
    assert.equal(await statusOf(browser, '/h5/oauth/wechat/callback?code=abc'), 400)
    assert.equal(await statusOf(browser, '/h5/oauth/wechat/callback?code=a%00b&state=abc'), 400)
    assert.equal(await statusOf(browser, '/h5/oauth/other/callback?code=a&state=b'), 404)

    assert.lengthOf(await identities(fixture.tenant.id), 1)
    for (const session of [browser, attacker, late]) {
      const props = await session.props(path)
      assert.isNull(props.me)
    }
  })

  test('refused: an unknown code, or a code of another tenant’s app, shows only the generic message', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const other = await chargingFixture()
    await wechatApp(fixture)
    const { appid: otherAppid } = await wechatApp(other)
    const path = await portPath(fixture)
    const browser = new BrowserSession()

    for (const code of [
      'unknowncode123',
      fake.wechatCode(otherAppid, { openid: 'o_other_tenant' }),
    ]) {
      const page = await browser.get(`${path}/oauth/wechat`, { 'user-agent': WECHAT_UA })
      const state = new URL(page.location!).searchParams.get('state')!
      const callbackPath = `/h5/oauth/wechat/callback?code=${code}&state=${state}`
      const answer = await browser.get(callbackPath, { 'user-agent': WECHAT_UA })
      assert.equal(answer.status, 302)
      assert.equal(answer.location, path)
      // Back on the page: signed out, the generic message, SMS offered instead of looping.
      const back = await browser.get(path, { 'user-agent': WECHAT_UA })
      assert.equal(back.status, 200)
      assert.isNull(back.page!.props.me)
      assert.equal(back.page!.props.flash.error, FAILED)
      assert.notInclude(back.text, 'invalid code')
    }
    assert.lengthOf(await identities(fixture.tenant.id), 0)
    assert.lengthOf(await identities(other.tenant.id), 0)
  })

  test('the callback is limited per IP', async ({ assert }) => {
    const browser = new BrowserSession()
    const statuses = new Set<number>()
    for (let attempt = 0; attempt < 31; attempt += 1) {
      statuses.add(await statusOf(browser, '/h5/oauth/wechat/callback?code=a&state=b'))
    }
    assert.deepEqual([...statuses], [400, 429])
  })
})

/** 绑定手机号 as the page sends it: the code to the phone, then the code back. */
async function bindPhone(browser: BrowserSession, fixture: Fixture, path: string, phone: string) {
  await browser.send('POST', `${path}/bind/code`, { phone }, path)
  const code = await inboxCode(fixture, phone)
  return browser.send('POST', `${path}/bind`, { phone, code }, path)
}

async function guestSignedIn(fixture: Fixture, path: string) {
  fake.wechatAs({ openid: `o_${fixture.tenant.id}_${Math.random().toString(36).slice(2)}` })
  const browser = new BrowserSession()
  await scanInApp(browser, path, WECHAT_UA)
  const [identity] = await identities(fixture.tenant.id)
  return { browser, guestId: Number(identity.rider_id) }
}

test.group('A guest binds a phone (绑定手机号)', (group) => {
  group.setup(async () => {
    fake = await startRiderOauthFake()
    return () => fake.stop()
  })
  group.each.setup(() => resetLoginLimits())

  test('a phone new to the tenant becomes the guest’s', async ({ assert }) => {
    const fixture = await chargingFixture()
    await wechatApp(fixture)
    const path = await portPath(fixture)
    const { browser, guestId } = await guestSignedIn(fixture, path)
    const phone = freshPhone()

    await bindPhone(browser, fixture, path, phone)
    const props = await browser.props(path)
    assert.equal(props.flash.success, '手机号已绑定')
    assert.equal(props.me.phone, phone)
    assert.include(props.oauth, { guest: false })
    const rider = await owner().from('riders').where('id', guestId).firstOrFail()
    assert.equal(rider.phone, phone)
  })

  test('the phone of a counter rider takes the guest over: identity moved, session switched, money to the fen', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1234 })
    await wechatApp(fixture)
    const path = await portPath(fixture)
    const { browser, guestId } = await guestSignedIn(fixture, path)
    const counter = await owner().from('riders').where('id', fixture.rider.id).firstOrFail()

    await bindPhone(browser, fixture, path, counter.phone)
    const props = await browser.props(path)
    assert.equal(props.me.name, counter.name)
    assert.equal(props.me.realBalance, 1234)
    assert.equal(props.me.phone, counter.phone)
    const [identity] = await identities(fixture.tenant.id)
    assert.equal(Number(identity.rider_id), fixture.rider.id)
    const guest = await owner().from('riders').where('id', guestId).firstOrFail()
    assert.isNull(guest.phone)
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'riders.merge_guest' })
      .firstOrFail()
    assert.deepInclude(audit.before, { guestRiderId: guestId })
    assert.notInclude(JSON.stringify(audit), identity.subject)

    // The next WeChat sign-in is the counter rider.
    fake.wechatAs({ openid: identity.subject })
    const later = new BrowserSession()
    await scanInApp(later, path, WECHAT_UA)
    assert.equal(await signedInName(later, path), counter.name)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  })

  test('a guest holding money is refused the merge with a clear message, nothing changed', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    await wechatApp(fixture)
    const path = await portPath(fixture)
    const { browser, guestId } = await guestSignedIn(fixture, path)
    await new WalletService().topUpCash(fixture.asAdmin, {
      riderId: guestId,
      projectId: fixture.project.id,
      realAmount: 500,
      idempotencyKey: `guest-topup:${guestId}`,
    })
    const counter = await owner().from('riders').where('id', fixture.rider.id).firstOrFail()

    await bindPhone(browser, fixture, path, counter.phone)
    const props = await browser.props(path)
    assert.equal(props.flash.error, '游客账户尚有余额，暂不能与该手机号的账户合并，请联系客服')
    assert.equal(props.me.realBalance, 500)
    const [identity] = await identities(fixture.tenant.id)
    assert.equal(Number(identity.rider_id), guestId)
  })

  test('tenant walls: a guest cannot bind at another tenant’s port, nor take over its rider', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const other = await chargingFixture()
    await wechatApp(fixture)
    const path = await portPath(fixture)
    const otherPath = await portPath(other)
    const { browser, guestId } = await guestSignedIn(fixture, path)
    const otherRider = await owner().from('riders').where('id', other.rider.id).firstOrFail()

    const sent = await browser.send('POST', `${otherPath}/bind/code`, { phone: otherRider.phone })
    assert.equal(sent.status, 401)
    const bound = await browser.send('POST', `${otherPath}/bind`, {
      phone: otherRider.phone,
      code: '123456',
    })
    assert.equal(bound.status, 401)
    const guest = await owner().from('riders').where('id', guestId).firstOrFail()
    assert.isNull(guest.phone)
    assert.lengthOf(await identities(other.tenant.id), 0)
  })
})
