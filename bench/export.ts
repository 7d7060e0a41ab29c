/*
| export: 账户流水 exports through the real path: ExportService.startLedger
| queues the `exports.run` job, a fresh `node ace worker` child process runs
| it (ledger read by keyset pages under RLS, exceljs streaming xlsx or pdfkit
| PDF, stored through drive). Figures per export: rows/s (rows over the
| job's started_at..finished_at) and the worker's peak RSS (VmHWM, read from
| /proc before it is stopped): the whole data set (BENCH_ENTRIES, default
| 1,000,000) to xlsx, the newest ~20,000 rows to PDF, and the newest
| ~200,000 rows to xlsx against issue 7's 300 MB limit.
| Baseline: export_baseline.ts in a fresh child process writing the same
| number of rows from memory (exceljs WorkbookWriter / bare pdfkit).
| The worker measured is the production build's (ace.js of a build of this
| tree, made or reused by production_build.ts; the build's time is printed,
| never a figure); BENCH_WORKER=dev runs `node ace worker` under ts-exec
| instead, whose idle footprint alone is over 300 MB. The output says which
| worker and its idle RSS. The worker runs with the node flags of `npm run
| start:worker` (--optimize-for-size): its live memory during an export
| stays near 60 MB of heap, but V8's default heap growth let dead rows
| swell the heap by ~170 MB before collecting.
*/
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { DateTime } from 'luxon'
import { bootBench, finish, report, ROOT, type Figure } from './lib.js'
import { ENTRIES, childEnv, peakRssMb, seedDataSet } from './data_set.js'
import { ensureProductionBuild, workerNodeFlags } from './production_build.js'

const PDF_ROWS = Number(process.env.BENCH_PDF_ROWS ?? 20_000)
const LIMITED_ROWS = Number(process.env.BENCH_LIMITED_ROWS ?? 200_000)
const MEMORY_LIMIT_MB = 300
const WORKER = process.env.BENCH_WORKER === 'dev' ? 'dev' : 'build'
const WORKER_FLAGS = await workerNodeFlags()
let WORKER_DIR = ROOT
if (WORKER === 'build') {
  const build = await ensureProductionBuild()
  WORKER_DIR = build.dir
  console.log(
    build.seconds === null
      ? `export: reusing the production build in ${build.dir} (up to date with this tree)`
      : `export: built the production build in ${build.dir} in ${build.seconds.toFixed(1)} s (not part of the figures)`
  )
}
console.log(
  `export: measuring the ${WORKER === 'build' ? 'production build' : 'ts-exec (dev)'} worker: node ${WORKER_FLAGS.join(' ')} ace.js worker in ${WORKER_DIR}`
)

const app = await bootBench()
const { default: db } = await import('@adonisjs/lucid/services/db')
const { default: TenantContext } = await import('#core/tenancy/tenant_context')
const { default: ExportService } = await import('#services/finance/exports/export_service')
const { default: AuditService } = await import('#core/audit/audit_service')
const { jobs } = await import('#jobs/registry')
const owner = db.connection('owner')

const set = await seedDataSet()
const staff = new TenantContext(set.tenantId, set.staffId, null)
// The ledger's entry point is being generalised (startLedger → startReport('ledger')): take either.
const exports = new ExportService(staff, new AuditService()) as unknown as {
  startReport?: (kind: 'ledger', format: 'xlsx' | 'pdf', filters: object) => Promise<number>
  startLedger?: (format: 'xlsx' | 'pdf', filters: object) => Promise<number>
}
function startLedgerExport(format: 'xlsx' | 'pdf', filters: object) {
  return exports.startReport
    ? exports.startReport('ledger', format, filters)
    : exports.startLedger!(format, filters)
}

/** A worker child process, once it reports ready. */
async function startWorker(): Promise<ChildProcess> {
  const args = [...WORKER_FLAGS, 'ace.js', 'worker', '--concurrency', '1']
  const child = spawn(process.execPath, args, {
    cwd: WORKER_DIR,
    env: childEnv({ LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('worker ready')) resolve()
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)))
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return child
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** The Shanghai day from which the ledger holds at least `rows` entries (newest first). */
async function fromDayFor(rows: number) {
  const row = await owner
    .from('ledger_entries')
    .where('tenant_id', set.tenantId)
    .orderBy('occurred_at', 'desc')
    .offset(rows - 1)
    .limit(1)
    .select('occurred_at')
    .first()
  return row
    ? DateTime.fromJSDate(new Date(row.occurred_at)).setZone('Asia/Shanghai').toISODate()!
    : undefined
}

/** Resident memory (VmRSS) of a live process, in MB. */
async function rssMb(pid: number) {
  const kb = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))
  return Number(kb![1]) / 1024
}

/** One export through the worker: rows, rows/s, the worker's idle and peak RSS. */
async function viaWorker(format: 'xlsx' | 'pdf', from: string | undefined) {
  const worker = await startWorker()
  try {
    const idleRssMb = await rssMb(worker.pid!)
    const id = await startLedgerExport(format, from ? { from } : {})
    while (true) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const row = await owner.from('exports').where('id', id).firstOrFail()
      if (row.status === 'failed') throw new Error(`export ${id} failed: ${row.error}`)
      if (row.status !== 'done') continue
      const seconds = (row.finished_at.getTime() - row.started_at.getTime()) / 1000
      return {
        worker: WORKER,
        idleRssMb,
        rows: Number(row.rows_total),
        seconds,
        rowsPerSecond: Number(row.rows_total) / seconds,
        peakRssMb: await peakRssMb(worker.pid!),
        fileMb: Number(row.file_size) / 1024 / 1024,
      }
    }
  } finally {
    await stop(worker)
  }
}

/** The same number of rows written from memory in a fresh process. */
function baseline(format: 'xlsx' | 'pdf', rows: number) {
  const output = execFileSync(
    process.execPath,
    [
      // The worker's flags: V8's heap growth counts as much as the writer here.
      ...WORKER_FLAGS,
      '--import=@poppinss/ts-exec',
      'bench/export_baseline.ts',
      format,
      String(rows),
      `${ROOT}tmp/bench/export_baseline.${format}`,
    ],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const result = JSON.parse(output.trim().split('\n').pop()!)
  return { rowsPerSecond: rows / result.seconds, peakRssMb: result.peakRssMb as number }
}

/** The worker registers repeating jobs; left behind, they would wake later runs. */
async function removeWorkerSchedulers() {
  const queues = await app.container.make('queue')
  for (const name of new Set(jobs.map((job) => job.queue))) {
    const queue = queues.queue(name)
    for (const scheduler of await queue.getJobSchedulers()) {
      await queue.removeJobScheduler(scheduler.key)
    }
  }
}

await mkdir(`${ROOT}tmp/bench`, { recursive: true })
const figures: Figure[] = []
const runs: [string, 'xlsx' | 'pdf', string | undefined][] = [
  [`${ENTRIES} rows`, 'xlsx', undefined],
  [`~${PDF_ROWS} rows`, 'pdf', await fromDayFor(PDF_ROWS)],
  [`~${LIMITED_ROWS} rows`, 'xlsx', await fromDayFor(LIMITED_ROWS)],
]
try {
  for (const [label, format, from] of runs) {
    const measured = await viaWorker(format, from)
    const base = baseline(format, measured.rows)
    const details = { ...measured, from: from ?? null, baseline: base }
    console.log(`export ${format} ${label}: ${JSON.stringify(details)}`)
    figures.push(
      {
        name: `${format} ${measured.rows} rows`,
        value: measured.rowsPerSecond,
        unit: 'rows/s',
        baseline: base.rowsPerSecond,
        baselineUnit: `rows/s (${format === 'xlsx' ? 'exceljs' : 'pdfkit'} from memory)`,
        details,
      },
      {
        name: `${format} ${measured.rows} rows peak RSS`,
        value: measured.peakRssMb,
        unit: 'MB',
        baseline: base.peakRssMb,
        baselineUnit: 'MB (from memory)',
        details,
      }
    )
  }
  const limited = figures[figures.length - 1]
  figures.push({
    name: `xlsx ${limited.details!.rows} rows peak RSS (${WORKER} worker) against the issue 7 limit`,
    value: limited.value,
    unit: 'MB',
    baseline: MEMORY_LIMIT_MB,
    baselineUnit: 'MB limit',
  })
} finally {
  await removeWorkerSchedulers()
}

await report('export', figures)
await finish(app)
