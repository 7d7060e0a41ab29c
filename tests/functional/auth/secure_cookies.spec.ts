import { test } from '@japa/runner'
import env from '#start/env'
import { trustedProxies } from '#config/app'

const loginPage = `http://${env.get('HOST')}:${env.get('PORT')}/login`

async function cookiesOf(headers: Record<string, string>) {
  const response = await fetch(loginPage, { headers, redirect: 'manual' })
  return response.headers.getSetCookie()
}

test.group('Secure cookies', () => {
  test('a request that came over HTTPS through a trusted proxy gets only Secure cookies', async ({
    assert,
  }) => {
    // The test client connects from loopback, the default trusted proxy.
    const cookies = await cookiesOf({ 'x-forwarded-proto': 'https' })
    const names = cookies.map((cookie) => cookie.split('=')[0])
    assert.includeMembers(names, ['pilehub-session', 'XSRF-TOKEN'])
    for (const cookie of cookies) assert.match(cookie, /;\s*Secure/i, cookie)
  })

  test('a plain HTTP request outside production gets cookies it can send back', async ({
    assert,
  }) => {
    const cookies = await cookiesOf({})
    assert.isNotEmpty(cookies)
    for (const cookie of cookies) assert.notMatch(cookie, /;\s*Secure/i, cookie)
  })

  test('only the configured proxies are believed', ({ assert }) => {
    const trusts = trustedProxies('loopback, 10.1.0.0/16, 192.0.2.7')
    assert.isTrue(trusts('127.0.0.1'))
    assert.isTrue(trusts('::ffff:127.0.0.1'))
    assert.isTrue(trusts('::1'))
    assert.isTrue(trusts('10.1.200.3'))
    assert.isTrue(trusts('192.0.2.7'))
    assert.isFalse(trusts('10.2.0.1'))
    assert.isFalse(trusts('203.0.113.9'))
  })
})
