/*
| `npm run cluster -- --web 2 --worker 2 --gateway 2 [--redis] [--skip-build]`:
| the scale-out topology on one machine, for trying it before deploying it.
| Like `npm run dev` it starts the embedded PostgreSQL (unless DATABASE_URL
| is set), migrates and seeds the demo; then it runs N web, worker and
| gateway processes (each restarted when it dies) behind Debian's HAProxy:
| browsers on PORT, DNY piles on DNY_TCP_PORT, OCPP on OCPP_WS_PORT and JUY
| on JUY_MQTT_PORT (unless JUY_MQTT_URL names an external broker, which the
| gateways then share). `--redis` runs the queues on a local redis-server.
| Web processes serve the built pages (no Vite dev server), so the client is
| built first unless --skip-build.
*/
import { spawnSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { freePort } from '#sdk/testing/free_port'
import { fileURLToPath } from 'node:url'
import { parseArgs, parseEnv } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureDatabase } from './database.js'
import { ensureEnvFile } from './env_file.js'
import { haproxyConfig, type Endpoint } from './haproxy_config.js'
import { startDemoSimulators, step, stopOnSignals, supervise, waitForHttp } from './roles.js'
import { DEMO_LOGINS } from '../database/demo_logins.js'

const ROOT = new URL('../', import.meta.url)
const CLUSTER_DIR = fileURLToPath(new URL('tmp/cluster/', ROOT))
const LOOPBACK = '127.0.0.1'

const { values: options } = parseArgs({
  options: {
    'web': { type: 'string', default: '2' },
    'worker': { type: 'string', default: '2' },
    'gateway': { type: 'string', default: '2' },
    'redis': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
})

function count(name: 'web' | 'worker' | 'gateway') {
  const value = Number(options[name])
  if (!Number.isInteger(value) || value < 1 || value > 16) {
    console.error(`[cluster] --${name} takes a whole number from 1 to 16 (got "${options[name]}")`)
    process.exit(1)
  }
  return value
}

function requireProgram(program: string, versionFlag: string) {
  const probe = spawnSync(program, [versionFlag], { stdio: 'ignore' })
  if (probe.error || probe.status !== 0) {
    console.error(`[cluster] ${program} is not installed: apt-get install ${program}`)
    process.exit(1)
  }
}

async function loopbackEndpoints(amount: number): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = []
  for (let index = 0; index < amount; index++) {
    endpoints.push({ host: LOOPBACK, port: await freePort() })
  }
  return endpoints
}

const sizes = { web: count('web'), worker: count('worker'), gateway: count('gateway') }
requireProgram('haproxy', '-v')
if (options.redis) requireProgram('redis-server', '--version')
stopOnSignals()

await ensureEnvFile()
const settings = { ...parseEnv(await readFile(new URL('.env', ROOT), 'utf8')), ...process.env }
await ensureDatabase()
await step('migrate', { args: ['ace', 'migration:run', '--force', '--connection=owner'] })
await step('seed', { args: ['ace', 'db:seed', '--connection=owner'] })
if (!options['skip-build']) {
  await step('build', {
    args: [fileURLToPath(new URL('node_modules/vite/bin/vite.js', ROOT)), 'build'],
  })
}
await mkdir(CLUSTER_DIR, { recursive: true })

const shared: NodeJS.ProcessEnv = {}
if (options.redis) {
  const port = await freePort()
  supervise(
    'redis',
    {
      command: 'redis-server',
      args: [
        '--port',
        String(port),
        '--bind',
        LOOPBACK,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        CLUSTER_DIR,
      ],
    },
    'cluster'
  )
  shared.QUEUE_BACKEND = 'redis'
  shared.REDIS_URL = `redis://${LOOPBACK}:${port}`
}

const publicHost = settings.HOST === 'localhost' || !settings.HOST ? LOOPBACK : settings.HOST
const deviceHost = (name: string) => settings[name] ?? '0.0.0.0'
const webServers = await loopbackEndpoints(sizes.web)
const protocols = [
  { name: 'dny', hostVariable: 'DNY_TCP_HOST', portVariable: 'DNY_TCP_PORT', port: 7001 },
  { name: 'ocpp', hostVariable: 'OCPP_WS_HOST', portVariable: 'OCPP_WS_PORT', port: 7003 },
  // JUY piles reach the gateways through the external broker when there is one.
  ...(settings.JUY_MQTT_URL
    ? []
    : [{ name: 'juy', hostVariable: 'JUY_MQTT_HOST', portVariable: 'JUY_MQTT_PORT', port: 1883 }]),
]
const devices = []
for (const protocol of protocols) {
  devices.push({
    ...protocol,
    listen: {
      host: deviceHost(protocol.hostVariable),
      port: Number(settings[protocol.portVariable] ?? protocol.port),
    },
    servers: await loopbackEndpoints(sizes.gateway),
  })
}
const stats = { host: LOOPBACK, port: await freePort() }
const webUrl = `http://${publicHost}:${settings.PORT ?? 3333}`
const configFile = `${CLUSTER_DIR}haproxy.cfg`
await writeFile(
  configFile,
  haproxyConfig({
    web: { listen: { host: publicHost, port: Number(settings.PORT ?? 3333) }, servers: webServers },
    devices,
    stats,
  })
)
await step('haproxy', { command: 'haproxy', args: ['-c', '-q', '-f', configFile] })
supervise('haproxy', { command: 'haproxy', args: ['-db', '-f', configFile] }, 'cluster')

webServers.forEach((endpoint, index) => {
  supervise(
    `web${index + 1}`,
    {
      args: ['--import=@poppinss/ts-exec', 'bin/server.ts'],
      env: { ...shared, HOST: endpoint.host, PORT: String(endpoint.port) },
    },
    'cluster'
  )
})
for (let index = 0; index < sizes.worker; index++) {
  supervise(
    `worker${index + 1}`,
    { args: ['--optimize-for-size', 'ace', 'worker'], env: shared },
    'cluster'
  )
}
for (let index = 0; index < sizes.gateway; index++) {
  const ports: NodeJS.ProcessEnv = {}
  for (const device of devices) {
    ports[device.hostVariable] = device.servers[index].host
    ports[device.portVariable] = String(device.servers[index].port)
  }
  supervise(
    `gateway${index + 1}`,
    // Behind HAProxy's send-proxy-v2 (bin/haproxy_config.ts): piles are known by their own address.
    { args: ['ace', 'gateway'], env: { ...shared, ...ports, GATEWAY_PROXY_PROTOCOL: 'true' } },
    'cluster'
  )
}

if (await waitForHttp(`${webUrl}/login`, 120_000)) {
  console.log('')
  console.log(
    `  PileHub cluster: ${sizes.web} web, ${sizes.worker} worker, ${sizes.gateway} gateway`
  )
  console.log(`  queues on ${shared.QUEUE_BACKEND ?? settings.QUEUE_BACKEND ?? 'postgres'}`)
  console.log(`  browsers: ${webUrl}  (HAProxy statistics: http://${stats.host}:${stats.port}/)`)
  for (const device of devices) {
    const behind = device.servers.map((server) => server.port).join(', ')
    console.log(`  ${device.name} piles: port ${device.listen.port} -> gateways on ${behind}`)
  }
  if (settings.JUY_MQTT_URL) console.log(`  juy piles: through ${settings.JUY_MQTT_URL}`)
  for (const login of DEMO_LOGINS) {
    console.log(
      `  demo login: ${login.account} / ${login.password}  (${login.tenant}, ${login.role})`
    )
  }
  // Through the balancer: the simulators connect to the public ports.
  if (settings.DEV_SIMULATORS !== '0') {
    await sleep(3000)
    startDemoSimulators()
  }
  console.log('  Ctrl+C stops everything.')
  console.log('')
} else {
  console.error(`[cluster] ${webUrl} did not answer within 120 s`)
}
