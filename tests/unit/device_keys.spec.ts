import { test } from '@japa/runner'
import {
  claimCodeFilter,
  VENDOR_PLUGIN_ID,
  displayDeviceKey,
  normalizeDeviceKey,
} from '#services/operations/device_keys'

test.group('Device keys', () => {
  test('DNY physical ids: 8 hex digits, or type and number as printed under the QR code', ({
    assert,
  }) => {
    assert.equal(normalizeDeviceKey('vendor-dny', '04ceaa40'), '04CEAA40')
    assert.equal(normalizeDeviceKey('vendor-dny', ' 04-13544000 '), '04CEAA40')
    assert.equal(displayDeviceKey('vendor-dny', '04CEAA40'), '04-13544000')
    assert.isNull(normalizeDeviceKey('vendor-dny', '04-16777216'))
    assert.isNull(normalizeDeviceKey('vendor-dny', '04CEAA4'))
    assert.isNull(normalizeDeviceKey('vendor-dny', 'GGCEAA40'))
  })

  test('JUY IMEIs, OCPP chargeBoxIds and other plugins', ({ assert }) => {
    assert.equal(normalizeDeviceKey('vendor-juy', '860000000000001'), '860000000000001')
    assert.isNull(normalizeDeviceKey('vendor-juy', '86000000000001'))
    assert.equal(normalizeDeviceKey('vendor-ocpp16', 'CP-01'), 'CP-01')
    assert.isNull(normalizeDeviceKey('vendor-ocpp16', 'CP 01'))
    assert.isNull(normalizeDeviceKey('vendor-ocpp16', 'X'.repeat(21)))
    assert.equal(normalizeDeviceKey('vendor-acme', 'Acme:42'), 'Acme:42')
    assert.equal(displayDeviceKey('vendor-juy', '860000000000001'), '860000000000001')
  })

  test('vendor plugin ids are kebab-case vendor-… names', ({ assert }) => {
    assert.match('vendor-ocpp16', VENDOR_PLUGIN_ID)
    assert.match('vendor-acme-v2', VENDOR_PLUGIN_ID)
    assert.notMatch('Vendor-DNY', VENDOR_PLUGIN_ID)
    assert.notMatch('payment-sandbox', VENDOR_PLUGIN_ID)
    assert.notMatch('vendor-', VENDOR_PLUGIN_ID)
  })

  test('a DNY claim code of digits is read both as the QR number and as an all-digit hex id', ({
    assert,
  }) => {
    assert.deepEqual(claimCodeFilter('vendor-dny', '05012345'), {
      deviceKey: '05012345',
      dnyNumber: (5012345).toString(16).toUpperCase().padStart(6, '0'),
    })
    assert.deepEqual(claimCodeFilter('vendor-dny', '1354400'), {
      deviceKey: undefined,
      dnyNumber: (1354400).toString(16).toUpperCase().padStart(6, '0'),
    })
    assert.deepEqual(claimCodeFilter('vendor-dny', '05ABC123'), { deviceKey: '05ABC123' })
    assert.isNull(claimCodeFilter('vendor-dny', 'not a code'))
  })
})
