import { test } from '@japa/runner'
import sandbox from '../index.js'
import { sign, signatureProblem } from '../signature.js'
import { paymentProviderContract } from '#sdk/testing/payment_contract'
import { startSandboxGateway } from './sandbox_harness.js'

paymentProviderContract({
  plugin: sandbox,
  start: () => startSandboxGateway(),
  invalidConfigs: [
    {},
    { merchantId: 'sbx-1', signingKey: 'short' },
    { merchantId: 'has space', signingKey: 'sandbox-signing-key-for-tests' },
    { merchantId: 'sbx-1', signingKey: 'sandbox-signing-key-for-tests', notifyDuplicates: 99 },
  ],
  secrets: ['signingKey'],
})

test.group('payment-sandbox signatures', () => {
  test('refuses a stale notification even when the signature is right', ({ assert }) => {
    const body = '{"event":"payment.paid"}'
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000)
    const headers = sign('sandbox-signing-key-for-tests', body, tenMinutesAgo)
    assert.equal(
      signatureProblem('sandbox-signing-key-for-tests', headers, body),
      'timestamp outside the allowed window'
    )
    assert.isNull(
      signatureProblem(
        'sandbox-signing-key-for-tests',
        sign('sandbox-signing-key-for-tests', body),
        body
      )
    )
  })
})
