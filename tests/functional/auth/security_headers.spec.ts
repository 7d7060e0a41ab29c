import { test } from '@japa/runner'
import env from '#start/env'

test.group('Security headers', () => {
  test('pages carry a Content-Security-Policy (report-only) their own scripts satisfy', async ({
    assert,
  }) => {
    const response = await fetch(`http://${env.get('HOST')}:${env.get('PORT')}/login`)
    const policy = response.headers.get('content-security-policy-report-only') ?? ''
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(policy)?.[1]
    assert.isString(nonce, policy)
    assert.include(policy, "default-src 'self'")
    assert.include(policy, "object-src 'none'")
    assert.include(policy, "frame-ancestors 'none'")
    assert.equal(response.headers.get('x-frame-options'), 'DENY')
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')

    const html = await response.text()
    const scripts = html.match(/<script\b[^>]*>/g) ?? []
    const executable = scripts.filter((tag) => !/type="application\/json"/.test(tag))
    assert.isNotEmpty(executable)
    for (const tag of executable) {
      // From this origin ('self'), or inline with the request's nonce.
      const src = /\ssrc="([^"]*)"/.exec(tag)?.[1]
      if (src === undefined) assert.include(tag, `nonce="${nonce}"`, tag)
      else assert.match(src, /^\/(?!\/)/, tag)
    }
  })
})
