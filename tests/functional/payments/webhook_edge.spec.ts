import { test } from '@japa/runner'
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import limiter from '@adonisjs/limiter/services/main'
import { errors } from '@vinejs/vine'
import { WEBHOOK_IP_LIMIT } from '#controllers/finance/payment_webhooks_controller'
import { ThrottledLog } from '#sdk/device_edge'
import TenantPluginService, { PluginSettingRefused } from '#plugins/tenant_plugins'
import PaymentWebhookService from '#services/finance/payment_webhook_service'
import WebhookRefusals from '#services/finance/webhook_refusals'
import TenantContext from '#core/tenancy/tenant_context'
import type { SentNotification } from '#sdk/testing/payment_contract'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { orderRow, paymentFixture, rejectionsOf, webhookRefusalsOf } from './helpers.js'

/*
| The payment webhook and outbound edges (issue 14): forged notifications
| are counted, not audited one by one; one IP is rate-limited; settings
| cannot point a provider plugin at an arbitrary host; a provider's own
| words never reach a page.
*/

function refusalRows(settingId: number) {
  return db
    .connection('owner')
    .from('payment_webhook_refusals')
    .where('tenant_plugin_id', settingId)
    .select('count', 'last_problem')
}

const refusedCount = webhookRefusalsOf

function post(sent: Pick<SentNotification, 'url' | 'headers' | 'rawBody'>) {
  return fetch(sent.url, { method: 'POST', headers: sent.headers, body: sent.rawBody })
}

async function adminBrowser(fixture: { staff: { account: string }; password: string }) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

test.group('payment webhooks: forged notifications and the per-IP limit', (group) => {
  let gateway: Awaited<ReturnType<typeof startSandboxGateway>>

  group.setup(async () => {
    gateway = await startSandboxGateway()
    return () => gateway.close()
  })
  group.each.setup(() => resetLoginLimits())

  test('a flood of badly signed notifications writes no audit row each: it is counted, shown in 配置 → 支付, logged boundedly', async ({
    assert,
  }) => {
    const fixture = await paymentFixture('payment-sandbox', gateway)
    const order = await fixture.open(700)
    const forged = (await gateway.pay(order.paymentNo, {
      forgeSignature: true,
      deliver: false,
    })) as SentNotification

    for (let index = 0; index < 25; index++) {
      const answer = await post(forged)
      assert.isAtLeast(answer.status, 400)
      assert.isBelow(answer.status, 500)
    }
    assert.equal(await rejectionsOf(fixture.tenant.id), 0)
    assert.equal(await refusedCount(fixture.settingId), 25)
    // One row for the hour, however many arrive.
    assert.lengthOf(await refusalRows(fixture.settingId), 1)
    assert.propertyVal(await orderRow(order.paymentNo), 'status', 'pending')

    // The log: one line for the flood, the rest counted into the next one.
    const lines: unknown[] = []
    const fakeLogger = { warn: (details: unknown) => lines.push(details) }
    const service = new PaymentWebhookService(
      undefined,
      new WebhookRefusals(new ThrottledLog(fakeLogger as any, 60_000))
    )
    const origin = { actor: null, request: null }
    for (let index = 0; index < 20; index++) {
      const reply = await service.receive(
        fixture.settingId,
        { headers: forged.headers, rawBody: forged.rawBody },
        origin
      )
      assert.isAtLeast(reply.status, 400)
    }
    assert.lengthOf(lines, 1)
    assert.equal(await refusedCount(fixture.settingId), 45)
    assert.equal(await rejectionsOf(fixture.tenant.id), 0)

    const browser = await adminBrowser(fixture)
    const page = await browser.get('/settings/payment')
    const shown = page.page!.props.pluginSettings.find(
      (setting: any) => setting.id === fixture.settingId
    )
    assert.include(shown.webhookRefusals, { lastHour: 45, lastDay: 45 })
    assert.isString(shown.webhookRefusals.lastProblem)
  })

  test('past the per-IP limit a notification gets 429 with Retry-After and nothing is read or written', async ({
    assert,
  }) => {
    const fixture = await paymentFixture('payment-sandbox', gateway)
    const order = await fixture.open(900)
    const forged = (await gateway.pay(order.paymentNo, {
      forgeSignature: true,
      deliver: false,
    })) as SentNotification
    const genuine = (await gateway.pay(order.paymentNo, { deliver: false })) as SentNotification
    const configured = WEBHOOK_IP_LIMIT.requests
    // A limit this test can reach; the limiter counts this IP's calls under it apart from the real one.
    WEBHOOK_IP_LIMIT.requests = 3
    try {
      for (let index = 0; index < 3; index++) {
        const answer = await post(forged)
        assert.isAtLeast(answer.status, 400)
        assert.notEqual(answer.status, 429)
      }
      assert.equal(await refusedCount(fixture.settingId), 3)

      for (const sent of [forged, genuine]) {
        const answer = await post(sent)
        assert.equal(answer.status, 429)
        assert.isAtLeast(Number(answer.headers.get('retry-after')), 1)
        assert.notEqual(await answer.text(), 'success')
      }
      assert.equal(await refusedCount(fixture.settingId), 3)
      assert.equal(await rejectionsOf(fixture.tenant.id), 0)
      const row = await orderRow(order.paymentNo)
      assert.equal(row.status, 'pending')
      assert.isNull(row.notified_at)
    } finally {
      WEBHOOK_IP_LIMIT.requests = configured
      await limiter.clear(['memory'])
    }

    // Once the window is over (here: cleared), the provider's retry goes through.
    const retried = await post(genuine)
    assert.isBelow(retried.status, 300)
  })
})

test.group('provider endpoints and provider errors', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a setting pointing a provider plugin outside its known hosts is refused with a Chinese field message and not saved', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const base = {
      appId: 'wx8888888888888888',
      mchId: '1900000109',
      merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchantPrivateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      apiV3Key: 'a'.repeat(32),
      platformPublicKeyId: 'PUB_KEY_ID_0114232134912410000000000001',
      platformPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString(),
    }
    for (const baseUrl of [
      'https://collector.example.com/',
      // The provider's host, but not over HTTPS, or on another port, or with credentials.
      'http://api.mch.weixin.qq.com',
      'https://api.mch.weixin.qq.com:8443',
      'https://user:pass@api.mch.weixin.qq.com',
    ]) {
      const response = await browser.send(
        'POST',
        '/settings/payment',
        {
          pluginId: 'payment-wechatpay',
          projectId: null,
          enabled: true,
          config: { ...base, baseUrl },
        },
        '/settings/payment'
      )
      assert.equal(response.status, 302)
      const props = await browser.props('/settings/payment')
      assert.equal(
        props.errors['config.baseUrl'],
        '接口地址（留空为微信支付官方地址）须为服务商的官方地址（HTTPS），或平台允许的地址',
        baseUrl
      )
      const stored = await db
        .connection('owner')
        .from('tenant_plugins')
        .where('tenant_id', fixture.tenant.id)
      assert.lengthOf(stored, 0, baseUrl)
    }

    // The provider's own host is fine.
    await browser.send('POST', '/settings/payment', {
      pluginId: 'payment-wechatpay',
      projectId: null,
      enabled: true,
      config: { ...base, baseUrl: 'https://api.mch.weixin.qq.com' },
      confirm: { platformPublicKey: base.platformPublicKey },
    })
    const saved = await db
      .connection('owner')
      .from('tenant_plugins')
      .where('tenant_id', fixture.tenant.id)
    assert.lengthOf(saved, 1)

    // SMS settings go through the same check.
    const plugins = new TenantPluginService(await app.container.make('plugins'))
    const sms = {
      accessKeyId: 'LTAI-test',
      accessKeySecret: 'secret-value',
      signName: '桩站',
      templateCode: 'SMS_1000',
    }
    const refused = await plugins
      .save(fixture.asSystem, {
        pluginId: 'sms-aliyun',
        projectId: null,
        enabled: true,
        config: { ...sms, endpoint: 'https://sms.example.net/' },
      })
      .catch((error) => error)
    assert.instanceOf(refused, errors.E_VALIDATION_ERROR)
    assert.equal(refused.messages[0].field, 'endpoint')

    // A row stored elsewhere (before the rule, or by hand) is never built into a plugin.
    const [row] = await db
      .connection('owner')
      .table('tenant_plugins')
      .insert({
        tenant_id: fixture.tenant.id,
        plugin_id: 'sms-aliyun',
        kind: 'sms',
        project_id: fixture.projectA.id,
        settings: { ...sms, accessKeySecret: undefined, endpoint: 'https://sms.example.net/' },
        enabled: true,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const built = await plugins
      .instanceOf(TenantContext.forJob(fixture.tenant.id), 'sms', Number(row.id))
      .catch((error) => error)
    assert.instanceOf(built, PluginSettingRefused)
  })

  test("a provider's error body never reaches the page: only its code, in a generic message", async ({
    assert,
  }) => {
    const marker = 'PROVIDER-INTERNAL-DETAIL-7731'
    const failing = createServer((_request, response) => {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'SYSTEM_ERROR', message: `${marker} <script>x</script>` }))
    })
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve))
    try {
      const fixture = await ledgerFixture()
      const plugins = new TenantPluginService(await app.container.make('plugins'))
      const setting = await plugins.save(fixture.asSystem, {
        pluginId: 'payment-sandbox',
        projectId: null,
        enabled: true,
        config: {
          merchantId: 'edge-merchant',
          signingKey: 'edge-signing-key-0001',
          gatewayUrl: `http://127.0.0.1:${(failing.address() as AddressInfo).port}`,
        },
      })
      const browser = await fixture.adminSession()
      const answer = await browser.send(
        'POST',
        '/finance/reconciliation',
        { settingId: setting.id, billDate: '2026-01-05' },
        '/finance/reconciliation'
      )
      assert.isBelow(answer.status, 500)
      assert.notInclude(answer.text, marker)
      const page = await browser.get(answer.location ?? '/finance/reconciliation')
      assert.notInclude(page.text, marker)
      const run = await db
        .connection('owner')
        .from('reconciliation_runs')
        .where('tenant_plugin_id', setting.id)
        .first()
      assert.equal(run.failure, 'payment-sandbox SYSTEM_ERROR')
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()))
    }
  })
})
