/*
| `npm run dev`: one command for the whole platform on one machine.
| Starts the embedded PostgreSQL (unless DATABASE_URL is set), migrates,
| seeds the demo tenant, then runs the web, worker and gateway roles with
| their output prefixed, until Ctrl+C.
*/
import { readFile } from 'node:fs/promises'
import { parseEnv } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureDatabase } from './database.js'
import { ensureEnvFile } from './env_file.js'
import { startDemoSimulators, step, stopOnSignals, supervise, waitForHttp } from './roles.js'
import { DEMO_LOGINS, DEMO_PLATFORM_LOGIN } from '../database/demo_logins.js'

const ROOT = new URL('../', import.meta.url)
stopOnSignals()

const startedAt = Date.now()
await ensureEnvFile()
const settings = { ...parseEnv(await readFile(new URL('.env', ROOT), 'utf8')), ...process.env }
// The demo shows rider sign-in codes on the H5 page (sms-log sends no text); production refuses the flag.
process.env.DEV_SHOW_SMS_CODES = settings.DEV_SHOW_SMS_CODES ?? 'true'
await ensureDatabase()
await step('migrate', { args: ['ace', 'migration:run', '--force', '--connection=owner'] })
await step('seed', { args: ['ace', 'db:seed', '--connection=owner'] })

// `ace serve --hmr` outlives its HTTP server (it keeps watching files): the assembler's note
// that the server died (killed, or exited non-zero; a reload after a file change prints none)
// or the server's own fatal line (bin/lifecycle.ts) restarts the role.
supervise(
  'web',
  { args: ['ace', 'serve', '--hmr'] },
  'dev',
  /Underlying HTTP server died|"level":60,.*"role":"web"/
)
// As deployed (npm run start:worker): without it, dead export rows swell the heap by ~170 MB.
supervise('worker', { args: ['--optimize-for-size', 'ace', 'worker'] }, 'dev')
supervise('gateway', { args: ['ace', 'gateway'] }, 'dev')

const url = `http://${settings.HOST ?? 'localhost'}:${settings.PORT ?? 3333}`
if (await waitForHttp(`${url}/login`, 120_000)) {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
  console.log('')
  console.log(`  PileHub is running at ${url}  (ready in ${seconds} s)`)
  for (const login of DEMO_LOGINS) {
    console.log(
      `  demo login: ${login.account} / ${login.password}  (${login.tenant}, ${login.role})`
    )
  }
  console.log(
    `  platform console: ${url}/platform  login: ${DEMO_PLATFORM_LOGIN.account} / ${DEMO_PLATFORM_LOGIN.password}`
  )
  if (settings.DEV_SIMULATORS !== '0') {
    await sleep(3000)
    startDemoSimulators()
  }
  console.log('  Ctrl+C stops everything.')
  console.log('')
} else {
  console.error(`[dev] the web server did not answer at ${url} within 120 s`)
}
