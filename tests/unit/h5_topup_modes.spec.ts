import { test } from '@japa/runner'
import { phoneModeOf } from '#services/h5/topup_modes'
import type { H5Payer } from '#services/h5/h5_types'

const wechat: H5Payer = { tenantId: 1, provider: 'wechat', payerId: 'oUpF8u-openid' }
const alipay: H5Payer = { tenantId: 1, provider: 'alipay', payerId: '2088102146225135' }
const ALL = ['native', 'jsapi', 'h5'] as const

test.group('H5 top-up: the mode a phone pays by', () => {
  test('in-app (jsapi) only for a payer of the same provider (or the sandbox)', ({ assert }) => {
    assert.equal(phoneModeOf({ pluginId: 'payment-wechatpay', modes: ALL }, wechat), 'jsapi')
    assert.equal(phoneModeOf({ pluginId: 'payment-alipay', modes: ALL }, alipay), 'jsapi')
    assert.equal(phoneModeOf({ pluginId: 'payment-sandbox', modes: ALL }, wechat), 'jsapi')
    // An openid means nothing to Alipay, a buyer id nothing to WeChat Pay.
    assert.equal(phoneModeOf({ pluginId: 'payment-alipay', modes: ALL }, wechat), 'h5')
    assert.equal(phoneModeOf({ pluginId: 'payment-wechatpay', modes: ALL }, alipay), 'h5')
  })

  test('h5 without a payer; none when the channel offers neither', ({ assert }) => {
    assert.equal(phoneModeOf({ pluginId: 'payment-wechatpay', modes: ALL }, null), 'h5')
    assert.isNull(phoneModeOf({ pluginId: 'payment-wechatpay', modes: ['native', 'jsapi'] }, null))
    assert.isNull(phoneModeOf({ pluginId: 'payment-sandbox', modes: ['native'] }, wechat))
  })
})
