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
  const { appRoleProblems } = await import('#core/tenancy/database_roles')
  const problems = await appRoleProblems()
  if (problems.length) {
    throw new Error(
      `Tests need two database roles: ${problems.join('; ')}. Set DATABASE_URL to a ` +
        'non-owner role without BYPASSRLS and DATABASE_OWNER_URL to the owner (see README).'
    )
  }
}

/**
 * Migrates the test database; afterwards rolls it back. A connection some
 * suite left inside a transaction (a pool, a queue worker) would make the
 * rollback's DROPs wait forever, so such sessions are ended first.
 */
async function migrateTestDatabase() {
  const rollBack = await testUtils.db('owner').migrate()
  return async () => {
    const { default: db } = await import('@adonisjs/lucid/services/db')
    await db
      .connection('owner')
      .rawQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND (state LIKE 'idle in transaction%' OR wait_event_type = 'Lock')`
      )
      .catch(() => {})
    await rollBack()
  }
}

export const runnerHooks: Required<Pick<Config, 'setup' | 'teardown'>> = {
  setup: [assertDatabaseRolesWallTenants, migrateTestDatabase],
  teardown: [],
}

export const configureSuite: Config['configureSuite'] = (suite) => {
  if (['browser', 'functional', 'resilience'].includes(suite.name)) {
    return suite.setup(() => testUtils.httpServer().start())
  }
}
