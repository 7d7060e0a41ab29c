import { prettyPrintError } from '@adonisjs/core'
import { createIgnitor } from './boot.js'
import { ensureDatabase } from './database.js'
import { exitOnFatalErrors } from './lifecycle.js'

exitOnFatalErrors('web')
await ensureDatabase()

createIgnitor('web')
  .httpServer()
  .start()
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
