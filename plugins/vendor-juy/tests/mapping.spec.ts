import { test } from '@japa/runner'
import {
  cardNoOf,
  cardNumberOf,
  chargeLimit,
  mergeParameters,
  portReport,
  stopReason,
  wireOrderNo,
} from '../mapping.js'
import type { ParameterTable } from '../protocol/parameter_table.js'

test.group('vendor-juy mapping', () => {
  test('order numbers: decimal ones that fit go as they are, others as a stable u32', ({
    assert,
  }) => {
    assert.equal(wireOrderNo('4711'), 4711)
    assert.equal(wireOrderNo('4294967295'), 0xffffffff)
    const hashed = wireOrderNo('CT12345678000001')
    assert.equal(hashed, wireOrderNo('CT12345678000001'))
    assert.notEqual(hashed, wireOrderNo('CT12345678000002'))
    assert.isAbove(hashed, 0)
    assert.isAtMost(hashed, 0xffffffff)
    assert.notEqual(wireOrderNo('4294967296'), 4294967296)
    assert.notEqual(wireOrderNo('0'), 0)
  })

  test('card numbers as printed, both ways', ({ assert }) => {
    assert.equal(cardNoOf(0x0a0b0c01, 'hex'), '0A0B0C01')
    assert.equal(cardNoOf(42, 'decimal'), '0000000042')
    assert.equal(cardNumberOf('0a0b0c01'), 0x0a0b0c01)
    assert.equal(cardNumberOf('4294967295'), 0xffffffff)
    assert.isNull(cardNumberOf('4294967296'))
    assert.isNull(cardNumberOf('12345'))
  })

  test('port states, stop reasons and charge limits', ({ assert }) => {
    assert.deepEqual(portReport(3, 4), { portNo: 3, state: 'fault', faultCode: 'disabled' })
    assert.deepEqual(portReport(1, 9), { portNo: 1, state: 'fault', faultCode: 'status_9' })
    assert.deepEqual(stopReason(3, false), { stopReason: 'local_stop', rawStopCode: 'manual' })
    assert.deepEqual(stopReason(3, true), { stopReason: 'remote_stop', rawStopCode: 'manual' })
    assert.deepEqual(stopReason(6, false), { stopReason: 'unplugged', rawStopCode: 'no_charger' })
    assert.deepEqual(stopReason(77, false), { stopReason: 'other', rawStopCode: '77' })
    assert.deepEqual(chargeLimit({ kind: 'full' }, 28_800, 10), {
      chargeType: 1,
      durationSeconds: 28_800,
    })
    assert.deepEqual(chargeLimit({ kind: 'energy', wattHours: 1234 }, 0, 10), {
      chargeType: 4,
      energyWattHours: 1230,
    })
    assert.deepEqual(chargeLimit({ kind: 'energy', wattHours: 3 }, 0, 10), {
      chargeType: 4,
      energyWattHours: 10,
    })
    assert.deepEqual(chargeLimit({ kind: 'amount', fen: 300 }, 0, 10), {
      chargeType: 2,
      amountFen: 300,
    })
  })

  test('parameters are written over the current table; bad ones are named', ({ assert }) => {
    const current = {
      billingMode: 0,
      tierPowersWatts: [200, 300, 500, 800, 1000, 1500, 2000, 2500],
      tierPricesFen: [1, 2, 3, 4, 5, 6, 7, 8],
      stopWhenFull: true,
      volume: 5,
    } as ParameterTable
    const merged = mergeParameters(current, { volume: '2', stopWhenFull: 'false' })
    assert.deepEqual(merged, { ok: true, table: { ...current, volume: 2, stopWhenFull: false } })
    assert.deepEqual(mergeParameters(current, { volume: '2.5' }), {
      ok: false,
      detail: 'volume: not a number',
    })
    assert.deepEqual(mergeParameters(current, { tierPricesFen: '1,x' }), {
      ok: false,
      detail: 'tierPricesFen: not a list of whole numbers',
    })
    assert.deepEqual(mergeParameters(current, { smokeAlarm: 'maybe' }), {
      ok: false,
      detail: 'smokeAlarm: not a switch',
    })
  })
})
