import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import mqtt from 'mqtt'
import { recordingLogger, testContext } from '#sdk/testing/context'
import { freePort } from '#sdk/testing/free_port'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import { haproxyConfig } from '../../../bin/haproxy_config.js'
import vendorDny from '../../../plugins/vendor-dny/index.js'
import vendorJuy from '../../../plugins/vendor-juy/index.js'
import vendorOcpp from '../../../plugins/vendor-ocpp16/index.js'
import { heartbeat, RawPile, register } from '../../../plugins/vendor-dny/tests/raw_pile.js'
import { RecordingSink as DnySink } from '../../../plugins/vendor-dny/tests/recording_sink.js'
import {
  RawCharger,
  RecordingSink as OcppSink,
  until,
} from '../../../plugins/vendor-ocpp16/tests/helpers.js'
import { RecordingSink as JuySink } from '../../../plugins/vendor-juy/tests/support.js'

/*
| The gateways behind a real HAProxy (Debian's) configured as `npm run
| cluster` configures it (bin/haproxy_config.ts: send-proxy-v2): piles
| connecting from 127.0.0.2 and 127.0.0.3 (Linux routes all of 127/8) are
| counted and reported by their own address, not the balancer's.
*/

const LOOPBACK = '127.0.0.1'
const PER_IP = 2

const portOf = (adapter: VendorAdapter) => Number(new URL(adapter.endpoint()).port)

/** HAProxy in front of one gateway listener per device protocol; closed by the returned function. */
async function startBalancer(backends: Record<string, number>) {
  const folder = await mkdtemp(join(tmpdir(), 'pilehub-proxy-protocol-'))
  const front: Record<string, number> = {}
  for (const name of Object.keys(backends)) front[name] = await freePort()
  const file = join(folder, 'haproxy.cfg')
  const stats = { host: LOOPBACK, port: await freePort() }
  await writeFile(
    file,
    haproxyConfig({
      web: {
        listen: { host: LOOPBACK, port: await freePort() },
        servers: [{ host: LOOPBACK, port: await freePort() }],
      },
      devices: Object.entries(backends).map(([name, port]) => ({
        name,
        listen: { host: LOOPBACK, port: front[name] },
        servers: [{ host: LOOPBACK, port }],
      })),
      stats,
    })
  )
  const haproxy: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' })
  const exited = new Promise((resolve) => haproxy.once('exit', resolve))
  for (const port of Object.values(front)) await untilListening(port)
  return {
    front,
    /** Resolves once HAProxy has health-checked every gateway (a LOCAL header) and found it up. */
    async untilChecked() {
      for (;;) {
        const csv = await fetch(`http://${LOOPBACK}:${stats.port}/;csv`).then((r) => r.text())
        const [header, ...rows] = csv.split('\n').map((line) => line.split(','))
        const column = header.indexOf('check_status')
        const checked = rows.filter((row) => row[1] === 'gateway1' && row[column] === 'L4OK')
        if (checked.length === Object.keys(backends).length) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async stop() {
      haproxy.kill('SIGTERM')
      await exited
      await rm(folder, { recursive: true, force: true })
    },
  }
}

async function untilListening(port: number) {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, LOOPBACK)
      socket.once('connect', () => resolve(true))
      socket.once('error', () => resolve(false))
    }).then((result) => result)
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every warning as [message, address]: HAProxy's own health checks (LOCAL headers) must add none. */
const warnings = (lines: Record<string, any>[]) =>
  lines.filter((line) => line.level >= 40).map((line) => [line.msg, line.ip])

test.group('Gateways behind HAProxy with the PROXY protocol', () => {
  test('DNY: piles are counted per own address; the refusal and reports name it', async ({
    assert,
    cleanup,
  }) => {
    const { logger, lines } = recordingLogger()
    const config = await vendorDny.validateConfig({
      host: LOOPBACK,
      port: 0,
      proxyProtocol: true,
      maxConnectionsPerIp: PER_IP,
    })
    const adapter = await vendorDny.create(config, testContext({ logger }))
    const sink = new DnySink()
    await adapter.start(sink)
    cleanup(() => adapter.stop())
    const balancer = await startBalancer({ dny: portOf(adapter) })
    cleanup(() => balancer.stop())
    const endpoint = `tcp://${LOOPBACK}:${balancer.front.dny}`

    const piles: RawPile[] = []
    cleanup(() => piles.forEach((pile) => pile.close()))
    for (const physicalId of [0x04ceaa41, 0x04ceaa42]) {
      const pile = await RawPile.connect(endpoint, physicalId, '127.0.0.2')
      piles.push(pile)
      pile.send(register(2))
      pile.send(heartbeat([0, 0]))
      await pile.until(() => pile.of('heartbeat_ack').length === 1)
    }
    // A third from 127.0.0.2 is over its limit; the balancer's address is not what counts.
    const third = await RawPile.connect(endpoint, 0x04ceaa43, '127.0.0.2')
    piles.push(third)
    await third.until(() => third.closed)
    const other = await RawPile.connect(endpoint, 0x04ceaa44, '127.0.0.3')
    piles.push(other)
    other.send(register(2))
    other.send(heartbeat([0, 0]))
    await other.until(() => other.of('heartbeat_ack').length === 1)

    assert.isFalse(piles[0].closed)
    assert.isFalse(piles[1].closed)
    assert.deepEqual(
      sink.claims.map((claim) => claim.ip),
      ['127.0.0.2', '127.0.0.2', '127.0.0.3']
    )
    assert.deepEqual(
      sink.of('pileOnline').map((event) => [event.report.deviceKey, event.report.ip]),
      [
        ['04CEAA41', '127.0.0.2'],
        ['04CEAA42', '127.0.0.2'],
        ['04CEAA44', '127.0.0.3'],
      ]
    )
    await balancer.untilChecked()
    assert.deepEqual(warnings(lines), [['dny connection refused: ip_full', '127.0.0.2']])
  })

  test('OCPP (ws:// and wss://): chargers are counted per own address', async ({
    assert,
    cleanup,
  }) => {
    const folder = await mkdtemp(join(tmpdir(), 'ocpp-proxy-tls-'))
    cleanup(() => rm(folder, { recursive: true, force: true }))
    // node:crypto makes no X.509 certificates: the openssl CLI does.
    await promisify(execFile)('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      ...[
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      ...['-keyout', join(folder, 'key.pem'), '-out', join(folder, 'cert.pem')],
    ])
    const ca = await readFile(join(folder, 'cert.pem'), 'utf8')
    const { logger, lines } = recordingLogger()
    const start = async (tls: object | undefined) => {
      const config = await vendorOcpp.validateConfig({
        host: LOOPBACK,
        port: 0,
        proxyProtocol: true,
        maxConnectionsPerIp: PER_IP,
        ...(tls ? { tls } : {}),
      })
      const adapter = await vendorOcpp.create(config, testContext({ logger }))
      const sink = new OcppSink()
      await adapter.start(sink)
      cleanup(() => adapter.stop())
      return { adapter, sink }
    }
    const plain = await start(undefined)
    const secure = await start({
      certFile: join(folder, 'cert.pem'),
      keyFile: join(folder, 'key.pem'),
    })
    const balancer = await startBalancer({
      ocpp: portOf(plain.adapter),
      ocpps: portOf(secure.adapter),
    })
    cleanup(() => balancer.stop())
    const chargers: RawCharger[] = []
    cleanup(async () => {
      await Promise.all(chargers.map((charger) => charger.close()))
    })

    for (const [scheme, port, sink] of [
      ['ws', balancer.front.ocpp, plain.sink],
      ['wss', balancer.front.ocpps, secure.sink],
    ] as const) {
      const url = (key: string) => `${scheme}://${LOOPBACK}:${port}/ocpp/${key}`
      const connect = async (key: string, localAddress: string) => {
        const charger = await RawCharger.connect(url(key), { ca, localAddress })
        chargers.push(charger)
        const [, , boot] = await charger.call('b', 'BootNotification', {
          chargePointVendor: 'ACME',
          chargePointModel: 'X',
        })
        return boot.status
      }
      assert.equal(await connect(`${scheme}-A`, '127.0.0.2'), 'Accepted')
      assert.equal(await connect(`${scheme}-B`, '127.0.0.2'), 'Accepted')
      await assert.rejects(
        () => RawCharger.connect(url(`${scheme}-C`), { ca, localAddress: '127.0.0.2' }),
        'HTTP 503'
      )
      assert.equal(await connect(`${scheme}-D`, '127.0.0.3'), 'Accepted', scheme)
      assert.deepEqual(
        sink.claims.map((claim) => [claim.deviceKey, claim.ip]),
        [
          [`${scheme}-A`, '127.0.0.2'],
          [`${scheme}-B`, '127.0.0.2'],
          [`${scheme}-D`, '127.0.0.3'],
        ]
      )
    }
    // Per listener: the refusal at the gate, then its 503 at the upgrade.
    const refused = [
      ['vendor-ocpp16: connection refused (ip_full)', '127.0.0.2'],
      ['vendor-ocpp16: upgrade refused (connections_full)', '127.0.0.2'],
    ]
    await balancer.untilChecked()
    assert.deepEqual(warnings(lines), [...refused, ...refused])
  })

  test('JUY (embedded broker): a pile signs in under its own address', async ({
    assert,
    cleanup,
  }) => {
    const { logger, lines } = recordingLogger()
    const config = await vendorJuy.validateConfig({
      mode: 'embedded',
      host: LOOPBACK,
      port: 0,
      proxyProtocol: true,
      maxConnectionsPerIp: PER_IP,
    })
    const adapter = await vendorJuy.create(config, testContext({ logger }))
    const sink = new JuySink()
    const [first, second, third] = ['861197062934387', '867924060525709', '862211040000017']
    for (const imei of [first, second, third]) sink.identities.set(imei, `secret-${imei}`)
    // Started at all: the gateway's own client (no PROXY header) got in.
    await adapter.start(sink)
    cleanup(() => adapter.stop())
    const balancer = await startBalancer({ juy: portOf(adapter) })
    cleanup(() => balancer.stop())

    const signIn = (clientId: string, password: string, localAddress: string) => {
      const client = new mqtt.MqttClient(
        () => net.connect({ host: LOOPBACK, port: balancer.front.juy, localAddress }),
        { clientId, username: clientId, password, reconnectPeriod: 0, connectTimeout: 5_000 }
      )
      cleanup(() => void client.end(true))
      return new Promise<boolean>((resolve) => {
        client.once('connect', () => resolve(true))
        client.once('close', () => resolve(false))
      })
    }
    assert.isTrue(await signIn(first, `secret-${first}`, '127.0.0.2'))
    assert.isTrue(await signIn(second, `secret-${second}`, '127.0.0.2'))
    // Over the limit from 127.0.0.2; 127.0.0.3 is another source.
    assert.isFalse(await signIn(third, `secret-${third}`, '127.0.0.2'))
    assert.isTrue(await signIn(third, `secret-${third}`, '127.0.0.3'))
    assert.deepEqual(
      sink.claims.map((claim) => [claim.deviceKey, claim.ip]),
      [
        [first, '127.0.0.2'],
        [second, '127.0.0.2'],
        [third, '127.0.0.3'],
      ]
    )
    await balancer.untilChecked()
    assert.deepEqual(warnings(lines), [['vendor-juy: connection refused', '127.0.0.2']])
  })
})

test.group('Gateways not configured for the PROXY protocol', () => {
  const V1 = 'PROXY TCP4 10.9.9.9 127.0.0.1 1234 7001\r\n'

  test('DNY: a PROXY header is garbage; the address stays the connection’s own', async ({
    assert,
    cleanup,
  }) => {
    const config = await vendorDny.validateConfig({ host: LOOPBACK, port: 0 })
    const adapter = await vendorDny.create(config, testContext())
    const sink = new DnySink()
    await adapter.start(sink)
    cleanup(() => adapter.stop())
    const pile = await RawPile.connect(adapter.endpoint(), 0x04ceaa45, '127.0.0.2')
    cleanup(() => pile.close())
    pile.write(V1)
    pile.send(register(2))
    pile.send(heartbeat([0, 0]))
    await until(() => sink.claims.length === 1 || pile.closed)
    assert.deepEqual(
      sink.claims.map((claim) => claim.ip),
      ['127.0.0.2']
    )
  })

  test('OCPP: a PROXY header before the upgrade is a bad request', async ({ assert, cleanup }) => {
    const config = await vendorOcpp.validateConfig({ host: LOOPBACK, port: 0 })
    const adapter = await vendorOcpp.create(config, testContext())
    const sink = new OcppSink()
    await adapter.start(sink)
    cleanup(() => adapter.stop())
    const socket = net.connect({ host: LOOPBACK, port: portOf(adapter) })
    socket.on('error', () => {})
    let answer = ''
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(
      `${V1}GET /ocpp/CB-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n'
    )
    await closed
    assert.match(answer, /^HTTP\/1\.1 400 /)
    assert.deepEqual(sink.claims, [])
  })
})
