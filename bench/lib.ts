/*
| Shared by the benchmarks run through bench/run.ts: boots the app on its
| own database (BENCH_DATABASE_NAME, migrated first), runs timed client
| loops, and reports each figure next to its baseline as one line plus a
| JSON summary under tmp/bench/<name>.json. Figures only, never assertions.
*/
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ensureDatabase } from '../bin/database.js'
import { createIgnitor } from '../bin/boot.js'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))

export interface Figure {
  name: string
  value: number
  unit: string
  baseline: number
  baselineUnit?: string
  /** Extra facts worth keeping in the summary (counts, settings). */
  details?: Record<string, unknown>
}

/**
 * Migrates the bench database and boots the app. `appPoolMax` widens the
 * app role's pool so 32 clients are not queued behind the usual 10.
 */
export async function bootBench(options: { appPoolMax?: number } = {}) {
  await ensureDatabase(process.env.BENCH_DATABASE_NAME ?? 'pilehub_bench')
  execFileSync(process.execPath, ['ace.js', 'migration:run', '--connection=owner'], {
    cwd: ROOT,
    // Without the embedded marker, ace takes DATABASE_URL as given rather than its default database.
    env: { ...process.env, PILEHUB_EMBEDDED_DATABASE: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const app = createIgnitor().createApp('console')
  await app.init()
  await app.boot()
  if (options.appPoolMax) {
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const config = db.manager.get('app')!.config
    db.manager.patch('app', { ...config, pool: { ...config.pool, max: options.appPoolMax } })
  }
  return app
}

/**
 * Stops the app and its embedded database, then exits at once rather than
 * waiting for client sockets and timers the benchmark left behind.
 */
export async function finish(app: { terminate(): Promise<void> }) {
  await app.terminate()
  process.exit(0)
}

/** The owner role's URL of the bench database (set by ensureDatabase or given). */
export function ownerUrl() {
  const url = process.env.DATABASE_OWNER_URL ?? process.env.DATABASE_URL
  if (!url) throw new Error('No database URL: ensureDatabase did not run')
  return url
}

/** Runs `clients` loops of `work` for `seconds`; the number of completed calls per second. */
export async function throughput(
  clients: number,
  seconds: number,
  work: (client: number, call: number) => Promise<unknown>
) {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let call = 0; performance.now() < deadline; call += 1) {
        await work(client, call)
        done += 1
      }
    })
  )
  return done / ((performance.now() - started) / 1000)
}

/** Runs `tasks` by `clients` concurrent loops; the latency of each task in ms. */
export async function latencies(clients: number, tasks: (() => Promise<unknown>)[]) {
  const times: number[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]
        const started = performance.now()
        await task()
        times.push(performance.now() - started)
      }
    })
  )
  return times.sort((a, b) => a - b)
}

/** The p-th percentile (0–100) of ascending `sorted`. */
export function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

function shown(value: number) {
  return Number(value.toFixed(value >= 100 ? 0 : 2))
}

/** Prints one line per figure and writes tmp/bench/<bench>.json. */
export async function report(bench: string, figures: Figure[]) {
  for (const figure of figures) {
    const ratio = figure.value / figure.baseline
    console.log(
      `bench ${bench}: ${figure.name} ${shown(figure.value)} ${figure.unit} ` +
        `(baseline ${shown(figure.baseline)} ${figure.baselineUnit ?? figure.unit}, ratio ${ratio.toFixed(2)})`
    )
  }
  const folder = `${ROOT}tmp/bench`
  await mkdir(folder, { recursive: true })
  const summary = {
    bench,
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    figures: figures.map((figure) => ({
      ...figure,
      ratio: figure.value / figure.baseline,
    })),
  }
  await writeFile(`${folder}/${bench}.json`, `${JSON.stringify(summary, null, 2)}\n`)
}

/** Starts a child and resolves with it once a stdout line contains `ready`. */
export function startChild(args: string[], env: NodeJS.ProcessEnv, ready: string) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise<{ child: ChildProcess; line: string }>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      // Nobody stops a child that never got ready: it would outlive the benchmark.
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')} not ready: ${output}`))
    }, 120_000)
    child.stdout!.on('data', (chunk) => {
      output += chunk
      const line = output.split('\n').find((text) => text.includes(ready))
      if (line && timer.hasRef()) {
        clearTimeout(timer)
        timer.unref()
        resolve({ child, line })
      }
      if (output.length > 100_000) output = output.slice(-10_000)
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${output}`)))
  })
}

/** SIGTERM, then SIGKILL after 10 s. */
export async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
