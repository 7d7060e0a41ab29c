/*
| How every process (web, ace commands: worker, gateway, ...) ends: on
| SIGTERM or SIGINT it terminates the app and exits, and on an error nothing
| caught it exits non-zero at once, so a supervisor (systemd, `npm run dev`)
| starts a clean one.
*/
import { writeSync } from 'node:fs'
import { hostname } from 'node:os'
import type { ApplicationService } from '@adonisjs/core/types'

/** A clean stop takes a few seconds; deploy/'s TimeoutStopSec and stop_grace_period are set above this. */
export const STOP_DEADLINE_MS = 20_000

/**
 * One JSON line in the app logger's shape (pino, level 60 = fatal), written
 * synchronously: the logger's transport runs in a worker thread whose
 * buffered lines are lost when the process exits right after.
 */
export function writeFatal(role: string, origin: string, error: unknown) {
  const err =
    error instanceof Error
      ? { type: error.name, message: error.message, stack: error.stack }
      : { type: typeof error, message: String(error) }
  const line = {
    level: 60,
    time: Date.now(),
    pid: process.pid,
    hostname: hostname(),
    name: 'pilehub',
    role,
    origin,
    err,
    msg: `${role}: ${origin}: ${err.message}`,
  }
  try {
    writeSync(2, `${JSON.stringify(line)}\n`)
  } catch {}
}

/**
 * An exception or rejection nothing handled leaves the process in an unknown
 * state (half-sent frames, a transaction open, a listener gone): log it with
 * its context and exit 1 rather than carry on or try a graceful stop that may
 * hang. Not for the test runner: Japa reports such errors itself and finishes the run.
 */
export function exitOnFatalErrors(role: string) {
  process.on('uncaughtException', (error, origin) => {
    writeFatal(role, origin, error)
    process.exit(1)
  })
  process.on('unhandledRejection', (reason) => {
    writeFatal(role, 'unhandledRejection', reason)
    process.exit(1)
  })
}

/**
 * Terminates the app (providers close their pools, clients and servers),
 * then exits with process.exitCode, even if a handle is left open. A stop
 * that outlasts STOP_DEADLINE_MS exits at once with code 1.
 */
export function terminateAndExit(app: ApplicationService, role: string, reason: string) {
  setTimeout(() => {
    writeFatal(role, reason, new Error(`not stopped ${STOP_DEADLINE_MS} ms after ${reason}`))
    process.exit(1)
  }, STOP_DEADLINE_MS).unref()
  app.terminate().then(
    () => process.exit(),
    (error) => {
      writeFatal(role, reason, error)
      process.exit(1)
    }
  )
}

/**
 * SIGTERM / SIGINT stop the process. A second SIGINT while stopping (Ctrl+C
 * again) exits at once with code 1; a repeated SIGTERM is the same request
 * again (`ace serve` and `npm run dev` both forward one to the web process).
 */
export function stopOnSignals(app: ApplicationService, role: string) {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal !== 'SIGINT') return
      writeFatal(role, signal, new Error(`second ${signal} while stopping: exiting now`))
      process.exit(1)
    }
    stopping = true
    terminateAndExit(app, role, signal)
  }
  app.listen('SIGTERM', stop)
  app.listen('SIGINT', stop)
}
