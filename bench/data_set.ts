/*
| The data set of the http and export benchmarks: `node ace bench:seed` in a
| child process on the bench database (reused when already seeded there),
| BENCH_RIDERS riders (default 100,000) and BENCH_ENTRIES ledger entries
| (default 1,000,000), and helpers to run other app processes on it.
*/
import { execFileSync } from 'node:child_process'
import { ROOT } from './lib.js'

export const RIDERS = Number(process.env.BENCH_RIDERS ?? 100_000)
export const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000)
export const TENANT_CODE = `bench-${RIDERS}-${ENTRIES}`
export const PASSWORD = 'bench-pass-1'

/**
 * The environment of an app child process on the bench database: the URLs
 * ensureDatabase set in this process, taken as given (no embedded server of
 * its own, no default database).
 */
export function childEnv(extra: Record<string, string> = {}) {
  return { ...process.env, PILEHUB_EMBEDDED_DATABASE: '', LOG_LEVEL: 'warn', ...extra }
}

/** Seeds (or reuses) the data set; its tenant, finance staff and projects. */
export async function seedDataSet() {
  execFileSync(
    process.execPath,
    [
      'ace.js',
      'bench:seed',
      `--riders=${RIDERS}`,
      `--entries=${ENTRIES}`,
      `--tenant-code=${TENANT_CODE}`,
      `--password=${PASSWORD}`,
    ],
    { cwd: ROOT, env: childEnv({ LOG_LEVEL: 'info' }), stdio: ['ignore', 'inherit', 'inherit'] }
  )
  const { default: db } = await import('@adonisjs/lucid/services/db')
  const owner = db.connection('owner')
  const tenant = await owner.from('tenants').where('code', TENANT_CODE).firstOrFail()
  const account = `${TENANT_CODE}_finance`
  const staff = await owner.from('staff').where('account', account).firstOrFail()
  const projects = await owner.from('projects').where('tenant_id', tenant.id).orderBy('id')
  return {
    tenantId: Number(tenant.id),
    staffId: Number(staff.id),
    account,
    password: PASSWORD,
    projectIds: projects.map((project) => Number(project.id)),
  }
}

/** Peak resident memory (VmHWM) of a live process, in MB. */
export async function peakRssMb(pid: number) {
  const { readFile } = await import('node:fs/promises')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)
  if (!kb) throw new Error(`no VmHWM for process ${pid}`)
  return Number(kb[1]) / 1024
}
