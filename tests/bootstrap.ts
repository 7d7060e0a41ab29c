import { assert } from '@japa/assert'
import { apiClient } from '@japa/api-client'
import { browserClient } from '@japa/browser-client'
import { pluginAdonisJS } from '@japa/plugin-adonisjs'
import { chromium } from 'playwright'
import app from '@adonisjs/core/services/app'
import testUtils from '@adonisjs/core/services/test_utils'
import type { Config } from '@japa/runner/types'

/*
| Browser tests drive Debian's chromium (no browser download is possible
| here); the flags keep it from reaching out to the network. They never run
| in a global transaction: a browser sends concurrent and late requests that
| one transaction connection cannot serve (it left a closed client in the
| pool); their data is uniquely named instead. Playwright
| gives every launch a fresh, empty profile.
*/
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

async function launchChromium(options: { headless?: boolean }) {
  return chromium.launch({
    ...options,
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export const plugins: Config['plugins'] = [
  assert(),
  apiClient(),
  pluginAdonisJS(app),
  browserClient({
    runInSuites: ['browser'],
    launcher: launchChromium,
    contextOptions: { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' },
  }),
]

/** The tenant-wall tests mean nothing against a role that bypasses the walls. */
async function assertDatabaseRolesWallTenants() {
  const { appRoleProblems } = await import('#services/tenancy/database_roles')
  const problems = await appRoleProblems()
  if (problems.length) {
    throw new Error(
      `Tests need two database roles: ${problems.join('; ')}. Set DATABASE_URL to a ` +
        'non-owner role without BYPASSRLS and DATABASE_OWNER_URL to the owner (see README).'
    )
  }
}

export const runnerHooks: Required<Pick<Config, 'setup' | 'teardown'>> = {
  setup: [assertDatabaseRolesWallTenants, () => testUtils.db('owner').migrate()],
  teardown: [],
}

export const configureSuite: Config['configureSuite'] = (suite) => {
  if (['browser', 'functional'].includes(suite.name)) {
    return suite.setup(() => testUtils.httpServer().start())
  }
}
