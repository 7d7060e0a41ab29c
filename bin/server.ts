import { prettyPrintError } from '@adonisjs/core'
import { createIgnitor } from './boot.js'
import { ensureDatabase } from './database.js'

await ensureDatabase()

createIgnitor()
  .httpServer()
  .start()
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
