import 'reflect-metadata'
import { basename } from 'node:path'
import { Ignitor } from '@adonisjs/core'
import { stopDatabase } from './database.js'
import { stopOnSignals } from './lifecycle.js'

export const APP_ROOT = new URL('../', import.meta.url)

const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

/**
 * The ignitor every entry point boots with (`role` names the process in
 * logs, by default its script): it stops an embedded database it started,
 * and stops on SIGTERM/SIGINT.
 */
export function createIgnitor(role = basename(process.argv[1] ?? 'node')) {
  return new Ignitor(APP_ROOT, { importer: IMPORTER }).tap((app) => {
    app.booting(async () => {
      await import('#start/env')
    })
    app.terminating(async () => {
      await stopDatabase()
    })
    stopOnSignals(app, role)
  })
}
