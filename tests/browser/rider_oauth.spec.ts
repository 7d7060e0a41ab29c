import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import RiderOauthSettingsService from '#services/settings/rider_oauth_settings_service'
import { resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { startRiderOauthFake } from '#tests/fakes/rider_oauth_fake'

/*
| A rider scanning a port's QR code inside WeChat, on a phone-sized screen:
| the page goes to the tenant's official account (the local fake plays
| WeChat's authorise page), comes back and shows the rider signed in as 游客.
*/

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN'

test.group('Rider sign-in inside WeChat, in a phone browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('scan → WeChat sign-in → signed in as 游客NNNN on the port page', async ({
    browser,
    cleanup,
    assert,
  }) => {
    const fake = await startRiderOauthFake()
    cleanup(() => fake.stop())
    const fixture = await chargingFixture()
    const appid = `wx${fixture.tenant.id}b0b0`
    fake.addWechatApp(appid, 'browser-secret')
    const service = await app.container.make(RiderOauthSettingsService)
    await service.configure(fixture.asAdmin, {
      provider: 'wechat',
      appId: appid,
      secret: 'browser-secret',
      confirm: { secret: 'browser-secret' },
      enabled: true,
    })
    fake.wechatAs({ openid: `o_${fixture.tenant.id}_browser` })
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()

    const context = await browser.newContext({
      baseURL: `http://${process.env.HOST}:${process.env.PORT}`,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      userAgent: WECHAT_UA,
      viewport: { width: 390, height: 844 },
      isMobile: true,
    })
    cleanup(() => context.close())
    const phone = await context.newPage()
    await phone.goto(`/h5/p/${pile.public_code}/1`)

    // Back on the port page (the browser keeps WeChat's #wechat_redirect fragment, as WeChat's does).
    await phone.getByTestId('h5-me').waitFor()
    assert.equal(new URL(phone.url()).pathname, `/h5/p/${pile.public_code}/1`)
    const greeting = await phone.getByTestId('h5-me').textContent()
    assert.match(greeting ?? '', /游客\d{4,}/)
    await phone.getByTestId('h5-guest').waitFor()
    assert.isTrue(await phone.getByTestId('h5-use-nickname').isVisible())
    const [identity] = await owner().from('rider_identities').where('tenant_id', fixture.tenant.id)
    assert.equal(identity.app_id, appid)
  })
})
