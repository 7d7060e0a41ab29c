import { test } from '@japa/runner'
import { formatKwh } from '../../resources/utils/energy.js'

test.group('formatKwh', () => {
  test('shows integer watt-hours as kWh with three decimals', ({ assert }) => {
    assert.equal(formatKwh(0), '0.000')
    assert.equal(formatKwh(5), '0.005')
    assert.equal(formatKwh(1234), '1.234')
    assert.equal(formatKwh(450000), '450.000')
    assert.equal(formatKwh(-5), '-0.005')
    assert.equal(formatKwh(-1234), '-1.234')
  })
})
