import { prettyPrintError } from '@adonisjs/core'
import type { ApplicationService } from '@adonisjs/core/types'
import { createIgnitor } from './boot.js'
import { ensureDatabase } from './database.js'
import { ensureEnvFile } from './env_file.js'
import { exitOnFatalErrors, terminateAndExit } from './lifecycle.js'

const argv = process.argv.splice(2)
const command = argv.find((value) => !value.startsWith('-')) ?? 'list'

/**
 * Commands that never open a database: typecheck and build (`npm run build`,
 * also in production, where no embedded server may start) need no PostgreSQL.
 */
function needsDatabase(name: string) {
  return !['codegen', 'build', 'list', 'help'].includes(name) && !name.startsWith('make:')
}

/**
 * Ace keeps a long-running command's process (worker, gateway) alive even
 * when its start failed (a port taken): it would sit there serving nothing,
 * so it stops, with the command's exit code, for a supervisor to retry.
 */
async function stopIfStartFailed(app: ApplicationService) {
  const kernel = await app.container.make('ace')
  const main = kernel.getMainCommand()
  if (main?.staysAlive && main.error) {
    process.exitCode = main.exitCode || 1
    terminateAndExit(app, command, 'start failed')
  }
}

exitOnFatalErrors(command)
await ensureEnvFile()
if (needsDatabase(command)) await ensureDatabase()

let application: ApplicationService | undefined
createIgnitor(command)
  .ace()
  .configure((app) => {
    application = app
  })
  .handle(argv)
  .then(() => stopIfStartFailed(application!))
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
