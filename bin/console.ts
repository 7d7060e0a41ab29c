import { prettyPrintError } from '@adonisjs/core'
import { createIgnitor } from './boot.js'
import { ensureDatabase } from './database.js'
import { ensureEnvFile } from './env_file.js'

await ensureEnvFile()
await ensureDatabase()

createIgnitor()
  .ace()
  .handle(process.argv.splice(2))
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
