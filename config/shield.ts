import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/shield'
import type { CspOptions } from '@adonisjs/shield/types'

/**
 * The Content-Security-Policy, enforced in every environment. Scripts only
 * from this origin (no 'unsafe-eval', no inline code: the Inertia page data
 * is a JSON block, not a script); the nonce lets an inline script be added
 * deliberately. Styles may be inline (Vuetify's theme sheet and style
 * attributes, Vite's CSS in development). Pages are never framed.
 *
 * Where the Vite dev server runs (development, test) its HMR socket is
 * allowed too; that is the only relaxation. The admin pages, the rider
 * pages and the platform console render under it there (browser tests).
 */
export function contentSecurityPolicy({ viteDevServer }: { viteDevServer: boolean }): CspOptions {
  return {
    enabled: true,
    directives: {
      defaultSrc: [`'self'`],
      scriptSrc: [`'self'`, '@nonce'],
      styleSrc: [`'self'`, `'unsafe-inline'`],
      imgSrc: [`'self'`, 'data:', 'blob:'],
      fontSrc: [`'self'`, 'data:'],
      connectSrc: viteDevServer ? [`'self'`, 'ws:', 'wss:'] : [`'self'`],
      objectSrc: [`'none'`],
      baseUri: [`'self'`],
      frameAncestors: [`'none'`],
    },
    reportOnly: false,
  }
}

const shieldConfig = defineConfig({
  csp: contentSecurityPolicy({ viteDevServer: !app.inProduction }),
  csrf: {
    enabled: true,
    // Providers' notifications and plugins' own endpoints are verified by signature instead.
    exceptRoutes: (ctx) => /^\/(webhooks|plugins)\//.test(ctx.request.url()),
    enableXsrfCookie: true,
    methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  },
  xFrame: { enabled: true, action: 'DENY' },
  hsts: { enabled: true, maxAge: '180 days' },
  contentTypeSniffing: { enabled: true },
})

export default shieldConfig
