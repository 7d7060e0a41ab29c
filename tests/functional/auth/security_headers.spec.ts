import { test } from '@japa/runner'
import { HttpContextFactory } from '@adonisjs/core/factories/http'
import { cspFactory } from '@adonisjs/shield/guards'
import env from '#start/env'
import { contentSecurityPolicy } from '#config/shield'

/** The header a policy built for the given environment sends, through shield's own guard. */
async function policyHeaders(options: { viteDevServer: boolean }) {
  const ctx = new HttpContextFactory().create()
  await cspFactory(contentSecurityPolicy(options))(ctx)
  return {
    enforced: String(ctx.response.response.getHeader('content-security-policy') ?? ''),
    reportOnly: ctx.response.response.getHeader('content-security-policy-report-only'),
  }
}

/** A policy's directives by name, each with its sources. */
function directives(policy: string) {
  return Object.fromEntries(
    policy.split(';').map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/)
      return [name, sources]
    })
  )
}

test.group('Security headers', () => {
  test('pages carry an enforced Content-Security-Policy their own scripts satisfy', async ({
    assert,
  }) => {
    const response = await fetch(`http://${env.get('HOST')}:${env.get('PORT')}/login`)
    assert.isNull(response.headers.get('content-security-policy-report-only'))
    const policy = response.headers.get('content-security-policy') ?? ''
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(policy)?.[1]
    assert.isString(nonce, policy)
    assert.include(policy, "default-src 'self'")
    assert.include(policy, "object-src 'none'")
    assert.include(policy, "frame-ancestors 'none'")
    assert.notInclude(policy, 'unsafe-eval')
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

  test('the production policy is enforced, without eval or the dev server socket', async ({
    assert,
  }) => {
    const { enforced, reportOnly } = await policyHeaders({ viteDevServer: false })
    assert.isUndefined(reportOnly)
    const policy = directives(enforced)
    const nonce = policy['script-src']?.[1]
    assert.match(nonce, /^'nonce-[\w-]{16,}'$/)
    assert.deepEqual(policy, {
      'default-src': ["'self'"],
      'script-src': ["'self'", nonce],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'frame-ancestors': ["'none'"],
    })
    assert.notInclude(enforced, 'unsafe-eval')

    // Where the Vite dev server runs, only its HMR socket is added.
    const dev = await policyHeaders({ viteDevServer: true })
    assert.deepEqual(directives(dev.enforced)['connect-src'], ["'self'", 'ws:', 'wss:'])
    assert.isUndefined(dev.reportOnly)
  })
})
