import { test } from '@japa/runner'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mqtt from 'mqtt'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import juy from '../index.js'
import { encodeDeviceMqttMessage } from '../protocol/codec.js'
import { JuySimulator } from '../simulator.js'
import { RecordingSink, TestDevice, recordingLogger, waitFor } from './support.js'

/*
| External broker mode against a real mosquitto (Debian's package, which
| .ci/run installs when missing), configured as the README says: no
| anonymous clients, a password per pile (username = IMEI), the pattern ACL
| that keeps each pile to its own topics, and the username as client id.
*/

const GATEWAY = { username: 'pilehub-gateway', password: 'gateway-secret' }
const PILE_A = { imei: '861197062934387', password: 'secret-a' }
const PILE_B = { imei: '867924060525709', password: 'secret-b' }
const SIMULATED = { imei: '860000000000011', password: 'secret-sim' }

const run = promisify(execFile)

function binary(name: string, directories: string[]) {
  const found = directories.map((dir) => join(dir, name)).find((path) => existsSync(path))
  if (!found) throw new Error(`${name} not found: apt-get install -y mosquitto (.ci/run does)`)
  return found
}

async function freePort() {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A mosquitto of its own, on a free port, with a generated config in a temp dir. */
async function startMosquitto() {
  const dir = await mkdtemp(join(tmpdir(), 'juy-mosquitto-'))
  const passwd = join(dir, 'passwd')
  const mosquittoPasswd = binary('mosquitto_passwd', ['/usr/bin', '/usr/sbin'])
  for (const [index, { username, password }] of [
    GATEWAY,
    ...[PILE_A, PILE_B, SIMULATED].map((pile) => ({
      username: pile.imei,
      password: pile.password,
    })),
  ].entries()) {
    await run(mosquittoPasswd, [...(index === 0 ? ['-c'] : []), '-b', passwd, username, password])
  }
  await writeFile(
    join(dir, 'acl'),
    [
      `user ${GATEWAY.username}`,
      'topic read JUY/D2S/+/+/DEV',
      'topic write JUY/S2D/+/+/SERVER',
      '',
      'pattern write JUY/D2S/%u/+/DEV',
      'pattern read JUY/S2D/%u/+/SERVER',
      '',
    ].join('\n')
  )
  const port = await freePort()
  const config = join(dir, 'mosquitto.conf')
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir, 'acl')}`,
      'use_username_as_clientid true',
      'persistence false',
      'log_dest stderr',
      // Started as root, mosquitto 2 switches to the user `mosquitto`, which
      // could not read this temp dir: stay the user we are.
      `user ${userInfo().username}`,
      '',
    ].join('\n')
  )
  const child: ChildProcess = spawn(
    binary('mosquitto', ['/usr/sbin', '/usr/bin', '/usr/local/sbin']),
    ['-c', config],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let output = ''
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4000)))
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      output += String(error)
      resolve()
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const stop = async () => {
    if (running()) child.kill('SIGTERM')
    await exited
    await rm(dir, { recursive: true, force: true })
  }
  const url = `mqtt://127.0.0.1:${port}`
  try {
    // Ready once the gateway's account can sign in.
    for (let attempt = 1; ; attempt++) {
      if (!running()) throw new Error(`mosquitto exited: ${output}`)
      try {
        const probe = await mqtt.connectAsync(url, { ...GATEWAY, reconnectPeriod: 0 })
        await probe.endAsync()
        break
      } catch (error) {
        if (attempt === 100) throw new Error(`mosquitto not ready: ${output} ${error}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { url, stop }
}

test.group('vendor-juy against a real mosquitto (external broker)', (group) => {
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>
  let adapter: VendorAdapter
  let sink: RecordingSink
  let devices: TestDevice[] = []

  group.setup(async () => {
    mosquitto = await startMosquitto()
    return () => mosquitto.stop()
  })

  group.each.setup(async () => {
    const settings = await juy.validateConfig({
      mode: 'external',
      url: mosquitto.url,
      ...GATEWAY,
      clientId: 'pilehub-gateway-test',
    })
    adapter = await juy.create(settings, {
      tenantId: null,
      logger: recordingLogger().logger,
      publicUrl: 'http://localhost',
    })
    sink = new RecordingSink()
    await adapter.start(sink)
    devices = []
    return async () => {
      await Promise.all(devices.map((each) => each.close()))
      await adapter.stop()
    }
  })

  async function pile(imei: string, password: string, options: mqtt.IClientOptions = {}) {
    const device = await TestDevice.connect(mosquitto.url, imei, {
      password,
      reconnectPeriod: 0,
      ...options,
    })
    devices.push(device)
    return device
  }

  /** A stop from the core, answered by the pile ("already idle"). */
  async function stopAnswered(device: TestDevice) {
    const outcome = adapter.send(device.imei, { type: 'stop', portNo: 1 })
    const seen = device.of('stop').length
    await waitFor(() => device.of('stop').length === seen + 1)
    const { orderNo } = device.of('stop')[seen]
    await device.send({ type: 'stop_reply', port: 1, orderNo, result: 1 })
    return outcome
  }

  test('a wrong or missing password is refused', async ({ assert }) => {
    const signIn = (options: mqtt.IClientOptions) =>
      mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0, ...options })
    await assert.rejects(
      () => signIn({ clientId: PILE_A.imei, username: PILE_A.imei, password: 'guess' }),
      /Connection refused/
    )
    await assert.rejects(
      () => signIn({ clientId: PILE_A.imei, username: PILE_A.imei }),
      /Connection refused/
    )
    await assert.rejects(() => signIn({ clientId: 'anyone' }), /Connection refused/)
    // A pile's password is not another pile's.
    await assert.rejects(
      () => signIn({ clientId: PILE_B.imei, username: PILE_B.imei, password: PILE_A.password }),
      /Connection refused/
    )
  })

  test('a pile can neither read nor publish for another IMEI', async ({ assert }) => {
    const a = await pile(PILE_A.imei, PILE_A.password)
    const b = await pile(PILE_B.imei, PILE_B.password)
    await a.login()
    await b.login()
    // A listens on B's commands too (the ACL lets the subscription be, but delivers nothing).
    await a.client.subscribeAsync(`JUY/S2D/${PILE_B.imei}/+/SERVER`).catch(() => {})

    // A heartbeat as B, then one as A: in order on A's connection, so B's would come first.
    const asB = encodeDeviceMqttMessage(PILE_B.imei, {
      type: 'heartbeat',
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [1, 1],
    })
    await a.raw(asB.topic, asB.payload)
    await a.send({
      type: 'heartbeat',
      signal: 20,
      temperatureCelsius: 30,
      portCount: 2,
      portStatuses: [0, 0],
    })
    await waitFor(() => sink.heartbeats.length === 1)
    assert.equal(sink.heartbeats[0].deviceKey, PILE_A.imei)

    // A command to B, then one to A: if A could read B's, it would reach A first.
    const toB = await stopAnswered(b)
    const toA = await stopAnswered(a)
    assert.equal(toB.status, 'acked')
    assert.equal(toA.status, 'acked')
    assert.lengthOf(a.of('stop'), 1)
    assert.lengthOf(b.of('stop'), 1)
  })

  test("a second client under a pile's id cannot knock it offline", async ({ assert }) => {
    const real = await pile(PILE_A.imei, PILE_A.password)
    await real.login()
    let dropped = false
    real.client.once('close', () => (dropped = true))

    await assert.rejects(
      () =>
        mqtt.connectAsync(mosquitto.url, {
          clientId: PILE_A.imei,
          username: PILE_A.imei,
          password: 'wrong',
          reconnectPeriod: 0,
        }),
      /Connection refused/
    )
    // Another pile's valid account with A's client id: the broker uses the
    // username as client id, so it is B's session, not A's, that it takes.
    const other = await pile(PILE_B.imei, PILE_B.password, { clientId: PILE_A.imei })
    await other.login()

    const outcome = await stopAnswered(real)
    assert.equal(outcome.status, 'acked')
    assert.isFalse(dropped)
    assert.isTrue(real.client.connected)
    assert.deepEqual(adapter.connected().sort(), [PILE_A.imei, PILE_B.imei].sort())
  })

  test('a pile with its password charges: login, swipe, end', async ({ assert }) => {
    const summary = await new JuySimulator().run({
      endpoint: mosquitto.url,
      piles: 1,
      ports: 2,
      durationSeconds: 5,
      deviceKeys: [SIMULATED.imei],
      credentials: { [SIMULATED.imei]: SIMULATED.password },
      cardNos: ['0A0B0C01'],
      speed: 600,
      seed: 7,
      logger: recordingLogger().logger,
    })
    assert.equal(summary.errors, 0)
    assert.equal(sink.online[0].deviceKey, SIMULATED.imei)
    assert.isAtLeast(sink.swipes.length, 1)
    assert.isAtLeast(sink.started.length, 1)
    assert.isAtLeast(sink.ended.length, 1)
    assert.isAtLeast(summary.chargesEnded, 1)
  }).timeout(30_000)
})
