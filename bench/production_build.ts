/*
| The production build a benchmark runs its app processes from: `node ace
| build` of this working tree into tmp/bench/build (a tsconfig of our own
| only moves the output directory, so build/ is left to whoever uses it),
| with node_modules linked in. It is rebuilt only when stale: the git HEAD
| and the changed or untracked files (path, size, mtime) are hashed into
| tmp/bench/build.fingerprint, written once a build has succeeded.
*/
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { ROOT } from './lib.js'

export const BUILD_DIR = `${ROOT}tmp/bench/build/`
const TSCONFIG = 'tmp/bench/tsconfig.build.json'
const FINGERPRINT = `${ROOT}tmp/bench/build.fingerprint`

/** Paths are relative to tmp/bench, the other settings come from the app's tsconfig.json. */
const tsconfig = {
  extends: '../../tsconfig.json',
  compilerOptions: { outDir: './build' },
  include: ['../../**/*', '../../.adonisjs/server/**/*'],
  exclude: [
    '../../resources/**/*',
    '../../build/**/*',
    '../../tmp/**/*',
    '../../node_modules/**/*',
    '../../inertia/**',
  ],
}

/** HEAD plus every file git sees as changed or untracked, with its size and mtime. */
async function fingerprint() {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' })
  const hash = createHash('sha256').update(git('rev-parse', 'HEAD'))
  const entries = git('status', '--porcelain=v1', '-z', '--untracked-files=all').split('\0')
  for (const entry of entries) {
    // Renames list the old path as an entry of its own: stat fails for it, the line still counts.
    const path = entry.length > 3 ? entry.slice(3) : entry
    hash.update(entry)
    const file = await stat(`${ROOT}${path}`).catch(() => null)
    if (file) hash.update(`${file.size}:${file.mtimeMs}`)
  }
  return hash.digest('hex')
}

/**
 * The build directory, built first when missing or stale. `seconds` is the
 * build's own time (null when reused), for the caller to print apart from
 * its figures.
 */
export async function ensureProductionBuild() {
  const current = await fingerprint()
  const stored = await readFile(FINGERPRINT, 'utf8').catch(() => null)
  if (stored === current && existsSync(`${BUILD_DIR}ace.js`)) {
    return { dir: BUILD_DIR, seconds: null }
  }
  await rm(FINGERPRINT, { force: true })
  await mkdir(`${ROOT}tmp/bench`, { recursive: true })
  await writeFile(`${ROOT}${TSCONFIG}`, JSON.stringify(tsconfig, null, 2))
  const started = performance.now()
  // As `npm run build`: the build itself does not generate the route types tsc needs.
  for (const args of [['codegen'], ['build', `--tsconfig=${TSCONFIG}`]]) {
    const result = spawnSync(process.execPath, ['ace.js', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    if (result.status !== 0) {
      throw new Error(
        `node ace ${args[0]} failed (${result.status}):\n${result.stdout}${result.stderr}`
      )
    }
  }
  if (!existsSync(`${BUILD_DIR}ace.js`))
    throw new Error(`node ace build left no ${BUILD_DIR}ace.js`)
  await symlink('../../../node_modules', `${BUILD_DIR}node_modules`)
  await writeFile(FINGERPRINT, current)
  return { dir: BUILD_DIR, seconds: (performance.now() - started) / 1000 }
}

/** The node flags `npm run start:worker` runs the worker with (package.json). */
export async function workerNodeFlags() {
  const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8'))
  const words: string[] = pkg.scripts['start:worker'].split(/\s+/)
  return words.slice(words.indexOf('node') + 1, words.indexOf('ace'))
}
