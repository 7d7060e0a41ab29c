import { test } from '@japa/runner'
import { instantiatePlugin } from '#sdk/testing/context'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { MobilePaymentRequest, PaymentProvider } from '#sdk/contracts/payment'
import sandbox from '../index.js'
import { startSandboxGateway } from './sandbox_harness.js'

test.group('payment-sandbox mobile modes', (group) => {
  let provider: PaymentProvider
  let sequence = 0

  group.setup(async () => {
    const gateway = await startSandboxGateway()
    provider = await instantiatePlugin(sandbox, gateway.config())
    return () => gateway.close()
  })

  function request(fields: Record<string, string>) {
    sequence += 1
    return {
      outTradeNo: `SBM${Date.now()}${sequence}`,
      amount: 1000,
      description: '充值 10.00 元',
      notifyUrl: 'http://127.0.0.1:9/notify',
      expiresAt: new Date(Date.now() + 600_000),
      ...fields,
    } as MobilePaymentRequest
  }

  test('after paying on the pay page, an h5 payer gets a link back to the return URL', async ({
    assert,
  }) => {
    const returnUrl = 'https://pilehub.example/h5/topup/done?a=1&b="2"'
    const created = await provider.createMobilePayment!(
      request({ mode: 'h5', payerIp: '203.0.113.7', returnUrl })
    )
    const page = await fetch((created as { redirectUrl: string }).redirectUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=pay',
    })
    const html = await page.text()
    assert.equal(page.status, 200)
    assert.include(html, 'href="https://pilehub.example/h5/topup/done?a=1&amp;b=&quot;2&quot;"')
  })

  test('a return URL that is not http(s) and a jsapi payment without a payer are refused', async ({
    assert,
  }) => {
    for (const fields of [
      { mode: 'h5', payerIp: '203.0.113.7', returnUrl: 'javascript:alert(1)' },
      { mode: 'jsapi', payerId: '' },
    ] as Record<string, string>[]) {
      const refusal = await provider.createMobilePayment!(request(fields)).catch(
        (error: unknown) => error
      )
      assert.instanceOf(refusal, PluginProviderError, fields.mode)
      assert.equal((refusal as PluginProviderError).providerCode, 'PARAM_ERROR')
    }
  })
})
