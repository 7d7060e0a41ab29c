import { test } from '@japa/runner'
import { formatFen, parseYuan } from '../../resources/utils/money.js'

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

test.group('parseYuan', () => {
  test('reads yuan as whole fen', ({ assert }) => {
    assert.equal(parseYuan('12.34'), 1234)
    assert.equal(parseYuan('50'), 5000)
    assert.equal(parseYuan('0.5'), 50)
    assert.equal(parseYuan('0.01'), 1)
    assert.equal(parseYuan(' 100.10 '), 10010)
    // 0.29 * 100 is 28.999999999999996 in floats.
    assert.equal(parseYuan('0.29'), 29)
    assert.equal(parseYuan('1.13'), 113)
  })

  test('refuses what is not an amount in yuan', ({ assert }) => {
    for (const text of ['', '-1', '1.234', 'abc', '1e3', '.5', '1.', '１２', '99999999999999999']) {
      assert.isNull(parseYuan(text), text)
    }
  })
})
