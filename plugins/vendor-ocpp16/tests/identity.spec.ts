import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { testLogger } from '#sdk/testing/context'
import type { VendorIdentityClaim } from '#sdk/contracts/vendor'
import ocpp16 from '../index.js'
import type { OcppAdapter } from '../adapter.js'
import {
  RawCharger,
  basicAuth,
  keyAuth,
  rawRequest,
  startAdapter,
  until,
  upgradeRequest,
  type RecordingSink,
} from './helpers.js'

const logger = testLogger()

let adapter: OcppAdapter
let sink: RecordingSink

/** 18 bytes, with a colon, a NUL and bytes that are not UTF-8. */
const KEY = '3a00ff10203040506070809aabbccddeeff1'
const OTHER_KEY = '00112233445566778899aabbccddeeff'

const url = (key: string) => `${adapter.endpoint()}/${key}`
const port = () => Number(new URL(adapter.endpoint()).port)

async function restart(config: Record<string, unknown>) {
  await adapter.stop()
  ;({ adapter, sink } = await startAdapter(config))
}

/** A charger that proved its key, booted and is known to the core. */
async function bootedCharger(key: string, headers: Record<string, string>) {
  const charger = await RawCharger.connect(url(key), { headers })
  await charger.call('boot', 'BootNotification', {
    chargePointVendor: 'ACME',
    chargePointModel: 'X',
  })
  return charger
}

test.group('vendor-ocpp16 identity (Security Profile 1)', (group) => {
  group.each.setup(async () => {
    ;({ adapter, sink } = await startAdapter())
    return () => adapter.stop()
  })

  test('the AuthorizationKey sent as raw bytes reaches the core as lower-case hex', async ({
    assert,
  }) => {
    sink.identities.set('CB:K1', KEY)
    const charger = await RawCharger.connect(url('CB:K1'), { headers: keyAuth('CB:K1', KEY) })
    assert.deepEqual(sink.claims, [
      { deviceKey: 'CB:K1', proof: { kind: 'secret', secret: KEY }, ip: '127.0.0.1' },
    ])
    const [type] = await charger.call('h', 'Heartbeat', {})
    assert.equal(type, 3)
    await charger.close()
  })

  test('with basicAuthPassword hex-text the password is the key as hex text', async ({
    assert,
  }) => {
    await restart({ basicAuthPassword: 'hex-text' })
    sink.identities.set('CB-HEX', OTHER_KEY)
    const charger = await RawCharger.connect(url('CB-HEX'), {
      headers: basicAuth('CB-HEX', OTHER_KEY.toUpperCase()),
    })
    assert.deepEqual(sink.claims[0].proof, { kind: 'secret', secret: OTHER_KEY })
    await charger.close()
    // The raw bytes are not a key in this form.
    await assert.rejects(
      () => RawCharger.connect(url('CB-HEX'), { headers: keyAuth('CB-HEX', OTHER_KEY) }),
      'HTTP 401'
    )
  })

  test('missing, wrong or malformed credentials get 401 with a Basic challenge', async ({
    assert,
  }) => {
    sink.identities.set('CB-A', KEY)
    const attempts: Record<string, string>[] = [
      {},
      keyAuth('CB-A', OTHER_KEY),
      // Another charger's name, a key too short or too long, not Basic, not base64.
      keyAuth('CB-B', KEY),
      keyAuth('CB-A', KEY.slice(0, 30)),
      keyAuth('CB-A', KEY + '0011223344'),
      { authorization: `Bearer ${KEY}` },
      { authorization: 'Basic !!!' },
    ]
    for (const headers of attempts) {
      const answer = await rawRequest(port(), upgradeRequest('/ocpp/CB-A', headers))
      assert.equal(answer?.status, 401, JSON.stringify(headers))
      assert.include(answer!.head, 'WWW-Authenticate: Basic realm="OCPP"')
    }
    // Only well-formed claims reach the core: none, and the wrong key.
    assert.deepEqual(
      sink.claims.map((claim) => claim.proof),
      [{ kind: 'none' }, { kind: 'secret', secret: OTHER_KEY }]
    )
    assert.lengthOf(sink.events, 0)
  })

  test("the core's refusals map to 404 and 503; its failure to 503", async ({ assert }) => {
    const answers: Record<string, () => Promise<any>> = {
      'CB-INVALID': async () => ({ outcome: 'refused', reason: 'invalid_key' }),
      'CB-FULL': async () => ({ outcome: 'refused', reason: 'pending_full' }),
      'CB-CHANGED': async () => ({ outcome: 'refused', reason: 'identity_changed' }),
      'CB-DOWN': async () => {
        throw new Error('database down')
      },
    }
    sink.decide = (claim: VendorIdentityClaim) => answers[claim.deviceKey]()
    const statusOf = async (key: string) => {
      const answer = await rawRequest(port(), upgradeRequest(`/ocpp/${key}`))
      return answer?.status
    }
    assert.equal(await statusOf('CB-INVALID'), 404)
    assert.equal(await statusOf('CB-FULL'), 503)
    assert.equal(await statusOf('CB-CHANGED'), 401)
    assert.equal(await statusOf('CB-DOWN'), 503)
    assert.deepEqual(adapter.connected(), [])
  })

  test('an impostor without or with a wrong key cannot take over, read commands or make the charger offline', async ({
    assert,
  }) => {
    // The tenant also lets unproven chargers in: still, none may replace a proven one.
    sink.decide = async (claim) =>
      claim.proof.kind === 'none'
        ? { outcome: 'unproven', registered: true }
        : claim.proof.kind === 'secret' && claim.proof.secret === KEY
          ? { outcome: 'authenticated' }
          : { outcome: 'refused', reason: 'bad_credentials' }
    const real = await bootedCharger('CB-REAL', keyAuth('CB-REAL', KEY))

    await assert.rejects(() => RawCharger.connect(url('CB-REAL')), 'HTTP 401')
    await assert.rejects(
      () => RawCharger.connect(url('CB-REAL'), { headers: keyAuth('CB-REAL', OTHER_KEY) }),
      'HTTP 401'
    )
    await assert.rejects(
      () => RawCharger.connect(url('CB-REAL'), { headers: basicAuth('CB-REAL', 'password') }),
      'HTTP 401'
    )

    assert.deepEqual(adapter.connected(), ['CB-REAL'])
    assert.lengthOf(sink.of('pileOffline'), 0)
    // Commands still reach the real charger.
    const starting = adapter.send('CB-REAL', {
      type: 'start',
      portNo: 1,
      orderNo: 'ORD1000000000001',
      limit: { kind: 'full' },
      maxDurationSeconds: 3600,
    })
    const remoteStart = await real.next()
    assert.equal(remoteStart[2], 'RemoteStartTransaction')
    real.sendRaw(JSON.stringify([3, remoteStart[1], { status: 'Accepted' }]))
    assert.deepEqual(await starting, { status: 'acked', detail: 'Accepted' })
    await real.close()
  })

  test('with the right key a new connection replaces the old one, as a reconnect', async ({
    assert,
  }) => {
    sink.identities.set('CB-RE', KEY)
    const first = await bootedCharger('CB-RE', keyAuth('CB-RE', KEY))
    const second = await RawCharger.connect(url('CB-RE'), { headers: keyAuth('CB-RE', KEY) })
    await first.closed()
    assert.deepEqual(adapter.connected(), ['CB-RE'])
    assert.lengthOf(sink.of('pileOffline'), 0)

    const resetting = adapter.send('CB-RE', { type: 'reboot' })
    const reset = await second.next()
    assert.equal(reset[2], 'Reset')
    second.sendRaw(JSON.stringify([3, reset[1], { status: 'Accepted' }]))
    assert.deepEqual(await resetting, { status: 'acked', detail: 'Accepted' })
    assert.lengthOf(first.received, 0)
    await second.close()
  })
})

test.group('vendor-ocpp16 identity over TLS (Security Profile 2)', (group) => {
  let directory: string

  group.setup(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ocpp-tls-'))
    // node:crypto makes no X.509 certificates: the openssl CLI does.
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(directory, 'key.pem'),
      '-out',
      join(directory, 'cert.pem'),
    ])
    return () => rm(directory, { recursive: true, force: true })
  })

  test('wss:// with the configured certificate; Basic auth as over ws://', async ({ assert }) => {
    ;({ adapter, sink } = await startAdapter({
      tls: { certFile: join(directory, 'cert.pem'), keyFile: join(directory, 'key.pem') },
    }))
    try {
      assert.match(adapter.endpoint(), /^wss:\/\//)
      const ca = await readFile(join(directory, 'cert.pem'), 'utf8')
      sink.identities.set('CB-TLS', KEY)
      await assert.rejects(
        () => RawCharger.connect(url('CB-TLS'), { ca, headers: keyAuth('CB-TLS', OTHER_KEY) }),
        'HTTP 401'
      )
      const charger = await RawCharger.connect(url('CB-TLS'), {
        ca,
        headers: keyAuth('CB-TLS', KEY),
      })
      const boot = await charger.call('b', 'BootNotification', {
        chargePointVendor: 'ACME',
        chargePointModel: 'X',
      })
      assert.equal(boot[2].status, 'Accepted')
      // Plain ws:// to the TLS port gets no session.
      await assert.rejects(() =>
        RawCharger.connect(url('CB-TLS').replace('wss:', 'ws:'), {
          headers: keyAuth('CB-TLS', KEY),
        })
      )
      assert.deepEqual(adapter.connected(), ['CB-TLS'])
      await charger.close()
    } finally {
      await adapter.stop()
    }
  })
})

test.group('vendor-ocpp16 AuthorizationKey rotation', () => {
  test('ChangeConfiguration AuthorizationKey reaches the simulator, which uses it on its next connection', async ({
    assert,
  }) => {
    ;({ adapter, sink } = await startAdapter())
    try {
      sink.identities.set('SIM-KEY', KEY)
      // Every swipe is refused: no charge gets in the way.
      sink.cards.set('LOST-CARD', { authorised: false, reason: 'lost_card' })
      const simulator = await ocpp16.simulator!()
      const running = simulator.run({
        endpoint: adapter.endpoint(),
        piles: 1,
        ports: 1,
        durationSeconds: 5,
        deviceKeys: ['SIM-KEY'],
        credentials: { 'SIM-KEY': KEY },
        cardNos: ['LOST-CARD'],
        speed: 60,
        seed: 5,
        logger,
      })
      await until(() => sink.of('pileOnline').length === 1)

      const refused = await adapter.send('SIM-KEY', {
        type: 'set_parameters',
        parameters: { AuthorizationKey: 'abc' },
      })
      assert.deepEqual(refused, { status: 'failed', detail: 'Rejected', result: {} })
      const rotated = await adapter.send('SIM-KEY', {
        type: 'set_parameters',
        parameters: { AuthorizationKey: OTHER_KEY.toUpperCase() },
      })
      assert.deepEqual(rotated, { status: 'acked', result: { AuthorizationKey: 'Accepted' } })
      // The core now expects the new key; the charger presents it once it reconnects.
      sink.identities.set('SIM-KEY', OTHER_KEY)
      assert.deepEqual(await adapter.send('SIM-KEY', { type: 'reboot' }), {
        status: 'acked',
        detail: 'Accepted',
      })
      await until(() => sink.of('pileOnline').length === 2)
      assert.deepEqual(
        sink.claims.map((claim) => claim.proof),
        [
          { kind: 'secret', secret: KEY },
          { kind: 'secret', secret: OTHER_KEY },
        ]
      )
      const summary = await running
      assert.equal(summary.errors, 0)
    } finally {
      await adapter.stop()
    }
  }).timeout(20_000)
})
