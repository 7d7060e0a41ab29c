process.env.NODE_ENV = 'test'

import { configure, processCLIArgs, run } from '@japa/runner'
import { prettyPrintError } from '@adonisjs/core'
import { createIgnitor } from './boot.js'
import { ensureDatabase } from './database.js'

await ensureDatabase()

// An interrupted run is not a passed one (the ignitor exits after the signal).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => (process.exitCode ??= 1))
}

createIgnitor('test')
  .testRunner()
  .configure(async (app) => {
    const { runnerHooks, ...config } = await import('../tests/bootstrap.js')
    processCLIArgs(process.argv.splice(2))
    configure({
      ...app.rcFile.tests,
      // Browser tests get one retry against leftover timing flakes. The one
      // seen ("Client was closed and is not queryable") came from browser tests
      // in a global transaction, now removed. Assertions are unchanged.
      suites: app.rcFile.tests.suites.map((suite) =>
        suite.name === 'browser' ? { ...suite, retries: 1 } : suite
      ),
      ...config,
      setup: runnerHooks.setup,
      teardown: [...runnerHooks.teardown, () => app.terminate()],
    })
  })
  .run(() => run())
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
