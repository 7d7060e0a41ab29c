/*
| npm run bench            every benchmark, one after another
| npm run bench -- wallet  one (or several) by name
|
| Each benchmark runs in its own process (it boots the app and the embedded
| database of BENCH_DATABASE_NAME itself) and prints
| `bench <name>: <value> <unit> (baseline <value> <unit>, ratio <r>)` per
| figure, writing tmp/bench/<name>.json. Figures only: nothing is asserted.
*/
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const BENCHMARKS: Record<string, string> = {
  wallet: 'wallet.ts',
  queue: 'queue.ts',
  settle: 'settle.ts',
  orders: 'orders_list.ts',
  ingest: 'ingest.ts',
  http: 'http.ts',
  export: 'export.ts',
}

const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !BENCHMARKS[name])
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`
  )
  process.exit(2)
}

const root = fileURLToPath(new URL('../', import.meta.url))
let failed = 0
for (const name of asked.length > 0 ? asked : Object.keys(BENCHMARKS)) {
  const started = performance.now()
  const result = spawnSync(
    process.execPath,
    ['--import=@poppinss/ts-exec', `bench/${BENCHMARKS[name]}`],
    { cwd: root, stdio: 'inherit', env: process.env }
  )
  const seconds = ((performance.now() - started) / 1000).toFixed(0)
  if (result.status === 0) {
    console.log(`(${name} took ${seconds} s)`)
  } else {
    failed += 1
    console.error(
      `bench ${name} failed (exit ${result.status ?? result.signal}) after ${seconds} s`
    )
  }
}
process.exit(failed > 0 ? 1 : 0)
