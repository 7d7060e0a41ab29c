import { test } from '@japa/runner'
import { escapeLike, prefixEnd } from '#core/tenancy/text_match'

test.group('phone prefix range', () => {
  test('the end is the prefix with its last character moved one on', ({ assert }) => {
    assert.equal(prefixEnd('1390'), '1391')
    assert.equal(prefixEnd('139'), '13:')
    assert.equal(prefixEnd('a%'), 'a&')
  })

  test('skips surrogates and drops characters that have no successor', ({ assert }) => {
    assert.equal(prefixEnd('1\ud7ff'), '1\ue000')
    assert.equal(prefixEnd('1\u{10ffff}'), '2')
    assert.isNull(prefixEnd('\u{10ffff}'))
  })
})

test.group('LIKE escaping', () => {
  test('wildcards and the escape character match only themselves', ({ assert }) => {
    assert.equal(escapeLike('50%_off\\'), '50\\%\\_off\\\\')
    assert.equal(escapeLike('1390'), '1390')
  })
})
