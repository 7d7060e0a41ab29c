import { test } from '@japa/runner'
import { memorySession } from '#tests/helpers/browser'
import CaptchaService, { CAPTCHA_TTL_MS } from '#services/auth/captcha_service'

test.group('CaptchaService', () => {
  test('issues an SVG image and accepts its answer once, in any letter case', ({ assert }) => {
    const captchas = new CaptchaService()
    const session = memorySession()
    const svg = captchas.issue(session)
    assert.match(svg, /^<svg/)
    const answer = captchas.peek(session)!
    assert.lengthOf(answer, 4)
    assert.equal(captchas.check(session, ` ${answer.toUpperCase()} `), 'ok')
    assert.equal(captchas.check(session, answer), 'invalid')
  })

  test('refuses an answer after the captcha expired', ({ assert }) => {
    let now = 1_000_000
    const captchas = new CaptchaService(() => now)
    const session = memorySession()
    captchas.issue(session)
    const answer = captchas.peek(session)!
    now += CAPTCHA_TTL_MS + 1
    assert.equal(captchas.check(session, answer), 'expired')
  })

  test('without an issued captcha every answer is invalid', ({ assert }) => {
    assert.equal(new CaptchaService().check(memorySession(), 'abcd'), 'invalid')
  })
})
