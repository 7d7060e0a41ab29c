import { test } from '@japa/runner'
import mqtt from 'mqtt'
import type { VendorAdapter } from '#sdk/contracts/vendor'
import juy from '../index.js'
import { encodeDeviceMqttMessage } from '../protocol/codec.js'
import { JuySimulator } from '../simulator.js'
import { GATEWAY, startMosquitto, type Mosquitto } from './mosquitto_broker.js'
import { RecordingSink, TestDevice, recordingLogger, waitFor } from './support.js'

/*
| External broker mode against a real mosquitto configured as the README
| says (mosquitto_broker.ts): the broker keeps piles to their own accounts
| and topics; the adapter handles and commands them through it.
*/

const PILE_A = { imei: '861197062934387', password: 'secret-a' }
const PILE_B = { imei: '867924060525709', password: 'secret-b' }
const SIMULATED = { imei: '860000000000011', password: 'secret-sim' }

test.group('vendor-juy against a real mosquitto (external broker)', (group) => {
  let mosquitto: Mosquitto
  let adapter: VendorAdapter
  let sink: RecordingSink
  let devices: TestDevice[] = []

  group.setup(async () => {
    mosquitto = await startMosquitto({
      piles: Object.fromEntries(
        [PILE_A, PILE_B, SIMULATED].map(({ imei, password }) => [imei, password])
      ),
    })
    return () => mosquitto.stop()
  })

  group.each.setup(async () => {
    const settings = await juy.validateConfig({
      mode: 'external',
      url: mosquitto.gatewayUrl,
      ...GATEWAY,
      commandTimeoutSeconds: 2,
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

  test('a command the pile does not answer times out', async ({ assert }) => {
    const device = await pile(PILE_A.imei, PILE_A.password)
    await device.login()
    assert.deepEqual(await adapter.send(PILE_A.imei, { type: 'stop', portNo: 1 }), {
      status: 'timeout',
    })
    assert.lengthOf(device.of('stop'), 1)
    // Not an IMEI: no topic to publish on.
    assert.deepEqual(await adapter.send('NO-SUCH-PILE', { type: 'stop', portNo: 1 }), {
      status: 'not_connected',
    })
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
