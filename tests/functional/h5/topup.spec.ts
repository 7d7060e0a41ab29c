import { randomUUID, verify } from 'node:crypto'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import Project from '#models/project'
import TopupPackage from '#models/topup_package'
import TenantPluginService from '#plugins/tenant_plugins'
import TenantContext from '#core/tenancy/tenant_context'
import type QueueManager from '#core/queue/queue_manager'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'
import { instantiatePlugin } from '#sdk/testing/context'
import RiderTopup from '#services/h5/rider_topup'
import RiderSignIn from '#services/h5/rider_sign_in'
import TopupResults from '#services/h5/topup_results'
import type { H5Rider } from '#services/h5/h5_types'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { createRider } from '#tests/functional/cards/helpers'
import { flashError, pageProp, portPath, signIn, type Fixture } from '#tests/functional/h5/helpers'
import {
  eventually,
  orderRow,
  paymentQueueIdle,
  startPaymentWorker,
} from '#tests/functional/payments/helpers'
import { entriesOf, runLedgerVerify, walletOf } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { startFakeWechatpay } from '../../../plugins/payment-wechatpay/tests/fake_wechatpay.js'
import wechatpay from '../../../plugins/payment-wechatpay/index.js'

/*
| 充值 on the rider H5 over real HTTP: the sandbox gateway in h5 mode, our
| webhook on the test server and a real payment worker. No global
| transaction: the checks read what the requests committed.
*/

const TOPUP = '/h5/topup'
/** A refusal sends the page back to the form. */
const BACK_TO_PAGE = /\/h5\/topup$/
const OPENID = 'oUpF8uTOPUP_payer_openid_0001'

/** The tenant's payments go through `gateway` (the sandbox unless another plugin is named). */
async function enablePayments(
  tenantId: number,
  gateway: PaymentGatewayHarness,
  pluginId = 'payment-sandbox'
) {
  const registry = await app.container.make('plugins')
  await new TenantPluginService(registry).save(TenantContext.forJob(tenantId), {
    pluginId,
    projectId: null,
    enabled: true,
    config: gateway.config(),
  })
}

function ordersOf(riderId: number) {
  return owner().from('payment_orders').where('rider_id', riderId).orderBy('id')
}

async function package50(fixture: Fixture) {
  return TopupPackage.create(
    {
      tenantId: fixture.tenant.id,
      projectId: fixture.project.id,
      amount: 5000,
      bonus: 500,
      sortOrder: 1,
      enabled: true,
    },
    { connection: 'owner' }
  )
}

/** A rider of the fixture's tenant with an empty wallet, signed in by SMS at its port. */
async function signedInRider(fixture: Fixture) {
  const rider = await createRider(fixture.tenant.id)
  const browser = new BrowserSession()
  await signIn(browser, fixture, await portPath(fixture), rider.phone)
  return { rider, browser }
}

function pay(browser: BrowserSession, body: Record<string, unknown>) {
  return browser.send('POST', TOPUP, body, TOPUP)
}

test.group('Rider H5 充值', (group) => {
  let gateway: Awaited<ReturnType<typeof startSandboxGateway>>
  let queue: QueueManager

  group.setup(async () => {
    gateway = await startSandboxGateway()
    queue = await startPaymentWorker()
    return async () => {
      await queue.close()
      await gateway.close()
    }
  })
  group.each.setup(() => resetLoginLimits())

  test('a ¥50 package with its bonus is paid on the sandbox h5 page and credited once, ledger verified', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 0 })
    await enablePayments(fixture.tenant.id, gateway)
    const offer = await package50(fixture)
    const { rider, browser } = await signedInRider(fixture)

    const page = await browser.get(TOPUP)
    assert.equal(page.page!.component, 'h5/topup')
    assert.deepInclude(page.page!.props, {
      packages: [{ id: offer.id, amount: 5000, bonus: 500 }],
      customYuan: { min: 1, max: 500 },
      availableFen: 0,
      frozen: false,
      payable: true,
    })

    // A double tap sends the same attempt: one order, the same provider page.
    const attempt = randomUUID()
    const first = await pay(browser, { packageId: offer.id, attempt })
    const again = await pay(browser, { packageId: offer.id, attempt })
    assert.equal(first.status, 302)
    assert.equal(again.location, first.location)
    assert.isTrue(first.location!.startsWith(`${gateway.url}/pay/`), first.location!)
    const orders = await ordersOf(rider.id)
    assert.lengthOf(orders, 1)
    const [order] = orders
    assert.deepInclude(order, {
      purpose: 'topup',
      amount: 5000,
      bonus_amount: 500,
      status: 'pending',
      project_id: fixture.project.id,
    })
    assert.deepEqual(order.purpose_data, { packageId: offer.id })
    assert.equal(order.provider_data.mobile.mode, 'h5')

    // The provider sends the rider back to our result page.
    const back = await browser.get(`${TOPUP}/return/${attempt}`)
    assert.equal(back.status, 302)
    assert.equal(back.location, `${TOPUP}/${order.payment_no}`)
    const pending = await browser.props(`${TOPUP}/${order.payment_no}`)
    assert.equal(pending.topup.status, 'pending')
    assert.deepInclude(pending.payment, { mode: 'h5', redirectUrl: first.location })

    const sent = (await gateway.pay(order.payment_no))!
    await eventually(
      () => orderRow(order.payment_no),
      (row) => row.status === 'paid'
    )
    // A repeated notification changes nothing.
    await fetch(sent.url, { method: 'POST', headers: sent.headers, body: sent.rawBody })
    await paymentQueueIdle(queue)

    assert.deepInclude(await walletOf(rider.id), { real_balance: 5000, bonus_balance: 500 })
    const entries = await entriesOf(rider.id)
    assert.lengthOf(entries, 1)
    assert.deepInclude(entries[0], { real_in: 5000, bonus_in: 500, reference: order.payment_no })
    const ledger = await runLedgerVerify()
    assert.equal(ledger.code, 0, ledger.output)

    const state = await browser.get(`${TOPUP}/${order.payment_no}/state`)
    assert.equal(state.status, 200)
    assert.deepEqual(JSON.parse(state.text), {
      paymentNo: order.payment_no,
      status: 'paid',
      amount: 5000,
      bonusAmount: 500,
      availableFen: 5500,
    })
    const paid = await browser.props(`${TOPUP}/${order.payment_no}`)
    assert.equal(paid.topup.status, 'paid')
    assert.isNull(paid.payment)
  }).timeout(60_000)

  test('refusals open nothing: amounts out of bounds, another project, frozen, signed out', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 0 })
    await enablePayments(fixture.tenant.id, gateway)
    const { rider, browser } = await signedInRider(fixture)

    for (const amountYuan of [0, 501, 1.5, -5, '50元']) {
      const answer = await pay(browser, { amountYuan, attempt: randomUUID() })
      assert.equal(answer.status, 302, String(amountYuan))
      assert.match(answer.location!, BACK_TO_PAGE)
    }
    const noKey = await pay(browser, { amountYuan: 20, attempt: 'not-a-uuid' })
    assert.match(noKey.location!, BACK_TO_PAGE)

    const other = await Project.create(
      { tenantId: fixture.tenant.id, code: `p2_${rider.id}`, name: '二号项目', status: 'active' },
      { connection: 'owner' }
    )
    const otherPackage = await TopupPackage.create(
      {
        tenantId: fixture.tenant.id,
        projectId: other.id,
        amount: 2000,
        bonus: 0,
        sortOrder: 1,
        enabled: true,
      },
      { connection: 'owner' }
    )
    await pay(browser, { packageId: otherPackage.id, attempt: randomUUID() })
    assert.equal(await flashError(browser, TOPUP), '充值套餐不存在或已停用')
    assert.notDeepInclude(await pageProp(browser, TOPUP, 'packages'), {
      id: otherPackage.id,
      amount: 2000,
      bonus: 0,
    })

    await owner().from('riders').where('id', rider.id).update({ status: 'frozen' })
    assert.isTrue(await pageProp(browser, TOPUP, 'frozen'))
    await pay(browser, { amountYuan: 20, attempt: randomUUID() })
    assert.equal(await flashError(browser, TOPUP), '账户已冻结，不能充值')
    assert.lengthOf(await ordersOf(rider.id), 0)

    const stranger = new BrowserSession()
    const page = await stranger.get(TOPUP)
    assert.equal(page.status, 401)
    assert.equal(page.page!.component, 'h5/signed_out')
    await stranger.get(await portPath(fixture))
    const posted = await pay(stranger, { amountYuan: 20, attempt: randomUUID() })
    assert.equal(posted.status, 401)
    assert.lengthOf(await ordersOf(rider.id), 0)
  }).timeout(60_000)

  test('at most five unpaid top-ups an hour; a retried attempt still gets its order', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 0 })
    await enablePayments(fixture.tenant.id, gateway)
    const { rider, browser } = await signedInRider(fixture)
    const attempts = Array.from({ length: 5 }, () => randomUUID())
    const locations = []
    for (const attempt of attempts) {
      const opened = await pay(browser, { amountYuan: 10, attempt })
      locations.push(opened.location)
    }
    assert.lengthOf(await ordersOf(rider.id), 5)

    const sixth = await pay(browser, { amountYuan: 10, attempt: randomUUID() })
    assert.match(sixth.location!, BACK_TO_PAGE)
    assert.equal(
      await flashError(browser, TOPUP),
      '1 小时内未支付的充值订单过多，请稍后再试或到服务点充值'
    )
    const retried = await pay(browser, { amountYuan: 10, attempt: attempts[0] })
    assert.equal(retried.location, locations[0])
    assert.lengthOf(await ordersOf(rider.id), 5)
  }).timeout(60_000)

  test("another rider's payment number or attempt is unknown", async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 0 })
    await enablePayments(fixture.tenant.id, gateway)
    const owner1 = await signedInRider(fixture)
    const attempt = randomUUID()
    await pay(owner1.browser, { amountYuan: 10, attempt })
    const [order] = await ordersOf(owner1.rider.id)

    const other = await signedInRider(fixture)
    for (const path of [
      `${TOPUP}/${order.payment_no}`,
      `${TOPUP}/${order.payment_no}/state`,
      `${TOPUP}/return/${attempt}`,
      `${TOPUP}/x'--/state`,
      `${TOPUP}/return/nope`,
    ]) {
      const answer = await other.browser.get(path)
      assert.equal(answer.status, 404, path)
    }
    // The same attempt key from another rider opens that rider's own order.
    await pay(other.browser, { amountYuan: 10, attempt })
    assert.lengthOf(await ordersOf(other.rider.id), 1)
    assert.lengthOf(await ordersOf(owner1.rider.id), 1)
  }).timeout(60_000)
})

test.group('Rider H5 充值 in WeChat (jsapi)', (group) => {
  let gateway: Awaited<ReturnType<typeof startFakeWechatpay>>

  group.setup(async () => {
    gateway = await startFakeWechatpay()
    return () => gateway.close()
  })

  test("a WeChat payer's openid reaches WeChat Pay and the page gets signed bridge parameters", async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 0 })
    await enablePayments(fixture.tenant.id, gateway, 'payment-wechatpay')
    const offer = await package50(fixture)
    const rider: H5Rider = {
      tenantId: fixture.tenant.id,
      riderId: fixture.rider.id,
      projectId: fixture.project.id,
    }
    const payer = { tenantId: fixture.tenant.id, provider: 'wechat' as const, payerId: OPENID }
    const tenant = (await new RiderSignIn().contextFor(rider, null))!
    const browser = { payerIp: '203.0.113.7', returnUrl: 'http://127.0.0.1:9/back' }

    const topups = new RiderTopup()
    const shown = await topups.page(rider, payer)
    assert.isTrue(shown.payable)
    const opened = await topups.open(
      tenant,
      rider,
      payer,
      { packageId: offer.id, attempt: randomUUID() },
      browser
    )
    assert.deepInclude(opened.payment, { mode: 'jsapi', bridge: 'WeixinJSBridge' })

    const page = (await new TopupResults().page(rider, opened.paymentNo, true))!
    assert.isTrue(page.invoke)
    const bridge = page.payment
    if (bridge?.mode !== 'jsapi' || bridge.bridge !== 'WeixinJSBridge') {
      throw new Error('no WeChat bridge call')
    }
    const { appId, timeStamp, nonceStr, package: prepay, paySign } = bridge.params
    assert.match(prepay, /^prepay_id=/)
    const signed = `${appId}\n${timeStamp}\n${nonceStr}\n${prepay}\n`
    assert.isTrue(
      verify(
        'sha256',
        Buffer.from(signed),
        gateway.merchantPublicKey!,
        Buffer.from(paySign, 'base64')
      )
    )

    const sent = await gateway.pay(opened.paymentNo, { deliver: false })
    const provider = await instantiatePlugin(wechatpay, gateway.config())
    const event = await provider.parseWebhook({ headers: sent!.headers, rawBody: sent!.rawBody })
    assert.deepInclude(event!.raw, { trade_type: 'JSAPI', payer: { openid: OPENID } })
  })

  test('without a payer, a WeChat merchant without H5 支付 cannot take a top-up on the phone', async ({
    assert,
  }) => {
    const withoutH5 = { ...gateway, config: () => ({ ...gateway.config(), h5Enabled: false }) }
    const fixture = await chargingFixture({ balance: 0 })
    await enablePayments(fixture.tenant.id, withoutH5, 'payment-wechatpay')
    const { rider, browser } = await signedInRider(fixture)
    assert.isFalse(await pageProp(browser, TOPUP, 'payable'))
    await pay(browser, { amountYuan: 10, attempt: randomUUID() })
    assert.equal(await flashError(browser, TOPUP), '该项目暂不支持手机充值，请到服务点充值')
    assert.lengthOf(await ordersOf(rider.id), 0)
  })
})
