import { test } from '@japa/runner'
import { formatFen } from '../../resources/utils/money.js'

test.group('formatFen', () => {
  test('shows fen as yuan with two decimals', ({ assert }) => {
    assert.equal(formatFen(0), '¥0.00')
    assert.equal(formatFen(1), '¥0.01')
    assert.equal(formatFen(795), '¥7.95')
    assert.equal(formatFen(10000), '¥100.00')
    assert.equal(formatFen(-196), '¥-1.96')
    assert.equal(formatFen(-5), '¥-0.05')
  })

  test('stays exact where floats would not', ({ assert }) => {
    assert.equal(formatFen(Number.MAX_SAFE_INTEGER), '¥90071992547409.91')
    assert.equal(formatFen(110), '¥1.10')
  })

  test('refuses what is not whole fen', ({ assert }) => {
    assert.throws(() => formatFen(1.5), /whole number of fen/)
    assert.throws(() => formatFen(Number.NaN), /whole number of fen/)
  })
})
