/*
| ingest: frames per second one gateway process takes in, and how long a
| pile waits for its answer (p50/p99), with BENCH_PILES piles (default
| 1,000: a third each of vendor-dny over TCP, vendor-juy over MQTT and
| vendor-ocpp16 over WebSocket) of 10 ports registered in a bench tenant.
| A real `node ace gateway` child runs on the bench database; the load
| runs in another child (bench/ingest_load.ts: light piles built on the
| plugins' codecs), logging every pile in, then each pile sends a power
| report and a status frame every BENCH_INGEST_INTERVAL_MS (default 1,000),
| waiting for the answers; BENCH_INGEST_SECONDS (default 40) are measured
| after a 10 s warm-up. The CPU of the gateway and of PostgreSQL and the
| database transactions per frame in the window are kept in the summary.
| Baseline: the same load against a bare TCP echo server (DNY, JUY bytes)
| and a bare WebSocket echo server (OCPP) in their own process
| (bench/ingest_echo.ts).
|
| Scale-out (issue 16): the same load against two gateway processes behind
| HAProxy (the configuration `npm run cluster` writes; JUY's embedded broker
| balanced like the TCP protocols), against one gateway behind the same
| balancer as its baseline; then both again at saturation (every pile
| reporting every BENCH_INGEST_SATURATION_MS, default 100 ms).
*/
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { freePort } from '#sdk/testing/free_port'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { haproxyConfig, type Endpoint } from '../bin/haproxy_config.js'
import { bootBench, finish, ownerUrl, report, startChild, stopChild, type Figure } from './lib.js'
import type { LoadPlan, Protocol, ProtocolResult } from './ingest_load.js'

const PILES = Number(process.env.BENCH_PILES ?? 1_000)
const PORTS = 10
const INTERVAL_MS = Number(process.env.BENCH_INGEST_INTERVAL_MS ?? 1_000)
const SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 40)
const SATURATION_MS = Number(process.env.BENCH_INGEST_SATURATION_MS ?? 100)
const WARMUP_SECONDS = 10
const NAME_PREFIX = 'ingest-bench-'
const LISTEN = {
  dny: Number(process.env.DNY_TCP_PORT ?? 34611),
  juy: Number(process.env.JUY_MQTT_PORT ?? 34612),
  ocpp: Number(process.env.OCPP_WS_PORT ?? 34613),
}
const PLUGIN_OF: Record<Protocol, string> = {
  dny: 'vendor-dny',
  juy: 'vendor-juy',
  ocpp: 'vendor-ocpp16',
}

interface LoadResult {
  windowSeconds: number
  loginSeconds: number
  protocols: Record<Protocol, ProtocolResult>
  total: { p50: number; p99: number }
}

const app = await bootBench()
const { createTenantWithStaff } = await import('#tests/helpers/tenants')
const { deviceTypeForPorts } = await import('../plugins/vendor-dny/mapping.js')
const { joinPhysicalId } = await import('../plugins/vendor-dny/protocol/physical_id.js')

/** Device keys the protocols accept (device_keys.ts), the same on every run. */
function keysOf(protocol: Protocol, count: number) {
  return Array.from({ length: count }, (_, index) => {
    if (protocol === 'dny') {
      const id = joinPhysicalId({
        deviceType: deviceTypeForPorts(PORTS),
        deviceNumber: 900_000 + index,
      })
      return id.toString(16).toUpperCase().padStart(8, '0')
    }
    if (protocol === 'juy') return `8699${String(index).padStart(11, '0')}`
    return `BENCH-${String(index).padStart(5, '0')}`
  })
}

const split = { dny: Math.ceil(PILES / 3), juy: Math.floor(PILES / 3), ocpp: 0 }
split.ocpp = PILES - split.dny - split.juy
const keys = {
  dny: keysOf('dny', split.dny),
  juy: keysOf('juy', split.juy),
  ocpp: keysOf('ocpp', split.ocpp),
}

/** Piles and their ports in one new tenant, by set-based inserts; an earlier run's piles go first. */
async function registerPiles(pool: pg.Pool) {
  await pool.query(`DELETE FROM piles WHERE name LIKE $1`, [`${NAME_PREFIX}%`])
  const { tenant, project } = await createTenantWithStaff({ roles: ['super_admin'] })
  const now = new Date()
  const station = await pool.query(
    `INSERT INTO stations (tenant_id, project_id, name, status, created_at, updated_at)
     VALUES ($1, $2, 'ingest bench', 'active', $3, $3) RETURNING id`,
    [tenant.id, project.id, now]
  )
  for (const protocol of Object.keys(keys) as Protocol[]) {
    const vendor = await pool.query(
      `INSERT INTO vendors (tenant_id, name, plugin_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $4) RETURNING id`,
      [tenant.id, `ingest ${protocol}`, PLUGIN_OF[protocol], now]
    )
    await pool.query(
      // The bench measures ingest, not identity: its raw clients present no credentials.
      `INSERT INTO piles (tenant_id, project_id, station_id, vendor_id, plugin_id, device_key,
                          name, port_count, allow_unauthenticated, created_at, updated_at)
       SELECT $1, $2, $3, $4, $5::text, key, $6::text || $5::text || '-' || ordinality, $7, true,
              $8, $8
       FROM unnest($9::text[]) WITH ORDINALITY AS keys(key, ordinality)`,
      [
        tenant.id,
        project.id,
        station.rows[0].id,
        vendor.rows[0].id,
        PLUGIN_OF[protocol],
        NAME_PREFIX,
        PORTS,
        now,
        keys[protocol],
      ]
    )
  }
  await pool.query(
    `INSERT INTO pile_ports (tenant_id, pile_id, port_no, updated_at)
     SELECT piles.tenant_id, piles.id, port_no, $2
     FROM piles CROSS JOIN generate_series(1, piles.port_count) AS port_no
     WHERE piles.tenant_id = $1`,
    [tenant.id, now]
  )
}

/** User + system CPU seconds of the given processes so far. */
function cpuSeconds(pids: number[]) {
  let ticks = 0
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // Gone since listed: its time is lost, a backend's at most.
    }
  }
  return ticks / 100
}

/** The embedded PostgreSQL of EMBEDDED_PG_PORT and its backends (empty for an outside server). */
function postgresPids() {
  const port = process.env.EMBEDDED_PG_PORT
  if (!port) return []
  const all = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  const postmaster = all.find((pid) => {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      return command[0].endsWith('/postgres') && command.includes(port)
    } catch {
      return false
    }
  })
  if (!postmaster) return []
  const children = all.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1] === postmaster
    } catch {
      return false
    }
  })
  return [postmaster, ...children].map(Number)
}

async function transactions(pool: pg.Pool) {
  const { rows } = await pool.query(
    `SELECT xact_commit + xact_rollback AS count FROM pg_stat_database WHERE datname = current_database()`
  )
  return Number(rows[0].count)
}

/**
 * Runs the load child against `plan`'s targets; measures the servers'
 * (gateways' or echo's), PostgreSQL's and the load's CPU and the
 * transactions over the window.
 */
async function runLoad(
  plan: Omit<LoadPlan, 'keys' | 'ports' | 'warmupSeconds' | 'seconds' | 'loginConcurrency'>,
  pool: pg.Pool,
  serverPids: number[]
) {
  const full: LoadPlan = {
    ...plan,
    keys,
    ports: PORTS,
    warmupSeconds: WARMUP_SECONDS,
    seconds: SECONDS,
    loginConcurrency: 50,
  }
  const { child } = await startChild(
    ['--import=@poppinss/ts-exec', 'bench/ingest_load.ts'],
    { ...process.env, INGEST_LOAD: JSON.stringify(full) },
    'MEASURING'
  )
  const pids = postgresPids()
  const before = {
    server: cpuSeconds(serverPids),
    postgres: cpuSeconds(pids),
    load: cpuSeconds([child.pid!]),
    transactions: await transactions(pool),
  }
  const started = performance.now()
  const result = await new Promise<LoadResult>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk) => {
      output += chunk
      const line = output.split('\n').find((text) => text.startsWith('RESULT '))
      if (line) resolve(JSON.parse(line.slice('RESULT '.length)))
    })
    child.once('exit', (code) => reject(new Error(`load exited ${code} without a result`)))
  })
  const seconds = (performance.now() - started) / 1000
  const usage = {
    serverCpu: (cpuSeconds(serverPids) - before.server) / seconds,
    postgresCpu: (cpuSeconds(postgresPids()) - before.postgres) / seconds,
    loadCpu: (cpuSeconds([child.pid!]) - before.load) / seconds,
    transactions: (await transactions(pool)) - before.transactions,
  }
  await stopChild(child)
  return { result, usage }
}

const pool = new pg.Pool({ connectionString: ownerUrl(), max: 2 })
const setupStarted = performance.now()
await registerPiles(pool)
const setupSeconds = (performance.now() - setupStarted) / 1000

// The embedded broker, whatever the environment says about an outside one.
const environment = { ...process.env }
delete environment.JUY_MQTT_URL

type Listen = Record<Protocol, number>

/** `behindBalancer`: HAProxy opens each device connection with a PROXY header (send-proxy-v2). */
function startGateway(listen: Listen, behindBalancer = false) {
  return startChild(
    ['ace.js', 'gateway'],
    {
      ...environment,
      // As for migrations in lib.ts: the bench database as given, not the default one.
      PILEHUB_EMBEDDED_DATABASE: '',
      LOG_LEVEL: 'warn',
      GATEWAY_PLUGINS: Object.values(PLUGIN_OF).join(','),
      DNY_TCP_HOST: '127.0.0.1',
      DNY_TCP_PORT: String(listen.dny),
      JUY_MQTT_HOST: '127.0.0.1',
      JUY_MQTT_PORT: String(listen.juy),
      OCPP_WS_HOST: '127.0.0.1',
      OCPP_WS_PORT: String(listen.ocpp),
      GATEWAY_PROXY_PROTOCOL: String(behindBalancer),
    },
    'gateway ready'
  )
}

function targetsAt(listen: Listen) {
  return {
    dny: `tcp://127.0.0.1:${listen.dny}`,
    juy: `mqtt://127.0.0.1:${listen.juy}`,
    ocpp: `ws://127.0.0.1:${listen.ocpp}/ocpp`,
  }
}

/** One gateway on the fixed LISTEN ports, measured at `intervalMs`. */
async function measureOneGateway(intervalMs: number) {
  const gateway = await startGateway(LISTEN)
  try {
    return await runLoad({ mode: 'gateway', intervalMs, targets: targetsAt(LISTEN) }, pool, [
      gateway.child.pid!,
    ])
  } finally {
    await stopChild(gateway.child)
  }
}

/**
 * `count` gateways on ports of their own behind HAProxy, which listens on
 * free ports too, measured at `intervalMs`.
 */
async function measureBehindBalancer(count: number, intervalMs: number) {
  console.log(`ingest: ${count} gateway(s) behind HAProxy, every ${intervalMs} ms`)
  const protocols = Object.keys(PLUGIN_OF) as Protocol[]
  const own: Listen[] = []
  for (let index = 0; index < count; index++) {
    own.push({ dny: await freePort(), juy: await freePort(), ocpp: await freePort() })
  }
  // Free ports, not fixed ones: a thousand piles' connections of the run before hold many.
  const listen = { dny: await freePort(), juy: await freePort(), ocpp: await freePort() }
  const loopback = (port: number): Endpoint => ({ host: '127.0.0.1', port })
  const folder = await mkdtemp(join(tmpdir(), 'ingest-haproxy-'))
  const configFile = join(folder, 'haproxy.cfg')
  await writeFile(
    configFile,
    haproxyConfig({
      web: { listen: loopback(await freePort()), servers: [loopback(await freePort())] },
      devices: protocols.map((protocol) => ({
        name: protocol,
        listen: loopback(listen[protocol]),
        servers: own.map((ports) => loopback(ports[protocol])),
      })),
    })
  )
  const gateways = []
  let balancer
  try {
    for (const ports of own) gateways.push(await startGateway(ports, true))
    // Started after the gateways, HAProxy finds every one up at its first check.
    balancer = spawn('haproxy', ['-db', '-f', configFile], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    return await runLoad({ mode: 'gateway', intervalMs, targets: targetsAt(listen) }, pool, [
      ...gateways.map((gateway) => gateway.child.pid!),
      balancer.pid!,
    ])
  } finally {
    for (const gateway of gateways) await stopChild(gateway.child)
    if (balancer) await stopChild(balancer)
    await rm(folder, { recursive: true, force: true })
  }
}

const measured = await measureOneGateway(INTERVAL_MS)
const scaleOut = {
  one: await measureBehindBalancer(1, INTERVAL_MS),
  two: await measureBehindBalancer(2, INTERVAL_MS),
  oneSaturated: await measureBehindBalancer(1, SATURATION_MS),
  twoSaturated: await measureBehindBalancer(2, SATURATION_MS),
}

const echo = await startChild(
  ['--import=@poppinss/ts-exec', 'bench/ingest_echo.ts'],
  process.env,
  'ECHO '
)
let baseline
try {
  const ports = JSON.parse(echo.line.slice(echo.line.indexOf('{')))
  baseline = await runLoad(
    {
      mode: 'echo',
      intervalMs: INTERVAL_MS,
      targets: {
        dny: `tcp://127.0.0.1:${ports.tcp}`,
        juy: `tcp://127.0.0.1:${ports.tcp}`,
        ocpp: `ws://127.0.0.1:${ports.ws}`,
      },
    },
    pool,
    [echo.child.pid!]
  )
} finally {
  await stopChild(echo.child)
}
await pool.end()

const gatewayRun = measured.result
const echoRun = baseline.result
const totalFrames = (run: LoadResult) =>
  Object.values(run.protocols).reduce((sum, protocol) => sum + protocol.processed, 0)
const rate = (run: LoadResult, frames: number) => frames / run.windowSeconds

const figures: Figure[] = []
for (const protocol of Object.keys(PLUGIN_OF) as Protocol[]) {
  const ours = gatewayRun.protocols[protocol]
  const theirs = echoRun.protocols[protocol]
  const details = { gateway: ours, echo: theirs }
  figures.push(
    {
      name: `${PLUGIN_OF[protocol]} frames`,
      value: rate(gatewayRun, ours.processed),
      unit: 'frames/s',
      baseline: rate(echoRun, theirs.processed),
      details,
    },
    { name: `${PLUGIN_OF[protocol]} ack p50`, value: ours.p50, unit: 'ms', baseline: theirs.p50 },
    { name: `${PLUGIN_OF[protocol]} ack p99`, value: ours.p99, unit: 'ms', baseline: theirs.p99 }
  )
}
const frames = totalFrames(gatewayRun)
figures.push(
  {
    name: `all frames (${PILES} piles × ${PORTS} ports)`,
    value: rate(gatewayRun, frames),
    unit: 'frames/s',
    baseline: rate(echoRun, totalFrames(echoRun)),
    details: {
      piles: split,
      intervalMs: INTERVAL_MS,
      seconds: SECONDS,
      setupSeconds,
      loginSeconds: { gateway: gatewayRun.loginSeconds, echo: echoRun.loginSeconds },
      gatewayCpuCores: measured.usage.serverCpu,
      postgresCpuCores: measured.usage.postgresCpu,
      loadCpuCores: measured.usage.loadCpu,
      echoCpuCores: baseline.usage.serverCpu,
      transactionsPerFrame: measured.usage.transactions / Math.max(1, frames),
    },
  },
  { name: 'all ack p50', value: gatewayRun.total.p50, unit: 'ms', baseline: echoRun.total.p50 },
  { name: 'all ack p99', value: gatewayRun.total.p99, unit: 'ms', baseline: echoRun.total.p99 }
)
const runFigures = (name: string, ours: typeof measured, reference: typeof measured): Figure[] => [
  {
    name: `${name} frames`,
    value: rate(ours.result, totalFrames(ours.result)),
    unit: 'frames/s',
    baseline: rate(reference.result, totalFrames(reference.result)),
    details: {
      serversCpuCores: { value: ours.usage.serverCpu, baseline: reference.usage.serverCpu },
      postgresCpuCores: { value: ours.usage.postgresCpu, baseline: reference.usage.postgresCpu },
      loadCpuCores: { value: ours.usage.loadCpu, baseline: reference.usage.loadCpu },
      protocols: { value: ours.result.protocols, baseline: reference.result.protocols },
    },
  },
  {
    name: `${name} ack p99`,
    value: ours.result.total.p99,
    unit: 'ms',
    baseline: reference.result.total.p99,
  },
]
figures.push(
  ...runFigures(
    `two gateways vs one behind HAProxy, every ${INTERVAL_MS} ms:`,
    scaleOut.two,
    scaleOut.one
  ),
  ...runFigures(
    `two gateways vs one behind HAProxy, saturated (every ${SATURATION_MS} ms):`,
    scaleOut.twoSaturated,
    scaleOut.oneSaturated
  )
)
console.log(
  `ingest: gateway ${measured.usage.serverCpu.toFixed(2)} cores, PostgreSQL ` +
    `${measured.usage.postgresCpu.toFixed(2)} cores, load ${measured.usage.loadCpu.toFixed(2)} cores, ` +
    `${(measured.usage.transactions / Math.max(1, frames)).toFixed(2)} transactions per frame`
)

await report('ingest', figures)
await finish(app)
