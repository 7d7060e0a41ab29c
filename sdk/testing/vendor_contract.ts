import { isPluginDefinition } from '#sdk/define_plugin'
import { contractSuite, registerContract, type ContractSuite } from './contract.js'
import { instantiatePlugin, testLogger } from './context.js'
import type { PluginDefinition } from '#sdk/contracts/plugin'
import type {
  VendorAdapter,
  VendorCardDecision,
  VendorChargeEnd,
  VendorEventSink,
  VendorIdentityClaim,
  VendorIdentityDecision,
  VendorPileReport,
  VendorSimulationSummary,
} from '#sdk/contracts/vendor'

export interface VendorContractOptions {
  plugin: PluginDefinition<'vendor'>
  /** A platform config that listens on a free local port (e.g. port 0). */
  config(): Record<string, unknown>
  /** Ports per simulated pile the protocol supports (default 2). */
  ports?: number
}

/** A card the recording core refuses, as it would a frozen rider's. */
export const REFUSED_CARD = 'FFFFFFF0'
export const GOOD_CARDS = ['0A0B0C01', '0A0B0C02', '0A0B0C03']

/**
 * The core's identity check as test sinks play it: a key with an expected
 * secret or ICCID must present exactly that; other keys are let in unproven,
 * as registered piles of a tenant that allows legacy devices.
 */
export function decideIdentity(
  expected: ReadonlyMap<string, string>,
  claim: VendorIdentityClaim
): VendorIdentityDecision {
  const wanted = expected.get(claim.deviceKey)
  if (wanted === undefined) return { outcome: 'unproven', registered: true }
  const given =
    claim.proof.kind === 'secret'
      ? claim.proof.secret
      : claim.proof.kind === 'iccid'
        ? claim.proof.iccid
        : null
  return given === wanted
    ? { outcome: 'authenticated' }
    : { outcome: 'refused', reason: 'bad_credentials' }
}

/**
 * The core's side as the contract tests play it: it records every event,
 * accepts every pile, authorises the good cards with orders of its own and
 * refuses the one card. It stands for the charging service, whose own tests
 * use the real thing.
 */
export class RecordingSink implements VendorEventSink {
  online: VendorPileReport[] = []
  heartbeats: VendorPileReport[] = []
  swipes: { deviceKey: string; portNo: number | null; cardNo: string }[] = []
  starts: { deviceKey: string; portNo: number; orderNo: string | null }[] = []
  samples = 0
  ends: VendorChargeEnd[] = []
  startFailures: Parameters<VendorEventSink['chargeStartFailed']>[0][] = []
  commandResults: Parameters<VendorEventSink['commandResult']>[0][] = []
  offline: string[] = []
  /** Online, heartbeat and offline reports in arrival order, as `<event>:<deviceKey>`. */
  presence: string[] = []
  issuedOrders = new Set<string>()
  /** Proof each device key must present (see decideIdentity). */
  identities = new Map<string, string>()
  #sequence = 0

  async authenticate(claim: VendorIdentityClaim) {
    return decideIdentity(this.identities, claim)
  }

  async pileOnline(report: VendorPileReport) {
    this.online.push(report)
    this.presence.push(`online:${report.deviceKey}`)
    return { accepted: true, heartbeatSeconds: 60 }
  }

  async heartbeat(report: VendorPileReport) {
    this.heartbeats.push(report)
    this.presence.push(`heartbeat:${report.deviceKey}`)
    return { accepted: true, heartbeatSeconds: 60 }
  }

  async portStatus() {}

  async pileOffline(deviceKey: string) {
    this.offline.push(deviceKey)
    this.presence.push(`offline:${deviceKey}`)
  }

  async cardSwiped(event: {
    deviceKey: string
    portNo: number | null
    cardNo: string
  }): Promise<VendorCardDecision> {
    this.swipes.push(event)
    if (event.cardNo.toUpperCase() === REFUSED_CARD) return { authorised: false, reason: 'frozen' }
    return {
      authorised: true,
      orderNo: this.#newOrderNo(),
      balanceFen: 10_000,
      limit: { kind: 'full' },
      maxDurationSeconds: 8 * 3600,
    }
  }

  async chargeStarted(event: Parameters<VendorEventSink['chargeStarted']>[0]) {
    this.starts.push(event)
    const orderNo = event.orderNo ?? this.#newOrderNo()
    return { orderNo, accepted: true }
  }

  async chargeStartFailed(event: Parameters<VendorEventSink['chargeStartFailed']>[0]) {
    this.startFailures.push(event)
  }

  async meterSample() {
    this.samples += 1
  }

  async chargeEnded(event: VendorChargeEnd) {
    this.ends.push(event)
    return { orderNo: event.orderNo, settled: true }
  }

  async commandResult(event: Parameters<VendorEventSink['commandResult']>[0]) {
    this.commandResults.push(event)
  }

  #newOrderNo() {
    this.#sequence += 1
    const orderNo = `CT${String(Date.now()).slice(-8)}${String(this.#sequence).padStart(6, '0')}`
    this.issuedOrders.add(orderNo)
    return orderNo
  }
}

async function until(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  return check()
}

/**
 * The contract every `vendor` plugin passes: its adapter and its simulator
 * speak the same wire protocol, and the adapter turns it into the core's
 * events and commands. Each plugin's tests call this
 * (plugins/<id>/tests/contract.spec.ts).
 */
export function vendorContractSuite(options: VendorContractOptions): ContractSuite {
  const { plugin } = options
  const ports = options.ports ?? 2
  let adapter: VendorAdapter
  let sink: RecordingSink

  const each = async () => {
    adapter = await instantiatePlugin(plugin, options.config())
    sink = new RecordingSink()
    await adapter.start(sink)
    return () => adapter.stop()
  }

  return contractSuite(
    { title: `vendor contract: ${plugin.id}`, timeout: 60_000, each },
    (check) => {
      const simulate = async (
        piles: number,
        durationSeconds: number,
        cardNos = GOOD_CARDS,
        signal?: AbortSignal
      ) => {
        const simulator = await plugin.simulator!()
        return simulator.run({
          signal,
          endpoint: adapter.endpoint().replace('0.0.0.0', '127.0.0.1'),
          piles,
          ports,
          durationSeconds,
          cardNos,
          speed: 600,
          seed: 7,
          logger: testLogger(),
        })
      }

      check('is a vendor plugin with a simulator', async (assert) => {
        assert.isTrue(isPluginDefinition(plugin), 'not made by definePlugin')
        assert.equal(plugin.kind, 'vendor')
        assert.isFunction(plugin.simulator)
        assert.match(adapter.endpoint(), /^[a-z]+:\/\//)
      })

      check('simulated piles log in, swipe, charge and settle through the core', async (assert) => {
        const summary: VendorSimulationSummary = await simulate(2, 6)
        assert.equal(summary.piles, 2)
        assert.equal(summary.errors, 0)
        const keys = new Set(sink.online.map((report) => report.deviceKey))
        assert.equal(keys.size, 2)
        assert.isAtLeast(sink.swipes.length, 1)
        assert.isAtLeast(sink.ends.length, 1)
        assert.isAtLeast(summary.chargesEnded, 1)
        // Every settlement names an order the core issued (resends included).
        for (const end of sink.ends) {
          assert.isTrue(
            end.orderNo !== null && sink.issuedOrders.has(end.orderNo),
            `unknown order ${end.orderNo}`
          )
          assert.isAtLeast(end.durationSeconds ?? 0, 0)
          // The session's energy, or the end register the core subtracts the start reading from.
          const energy = end.energyWattHours ?? end.meterStopWattHours
          assert.isNumber(energy, `no energy figure for ${end.orderNo}`)
          assert.isAtLeast(energy!, 0)
        }
      })

      check(
        'an aborted run ends before its time, its piles gone, with its summary',
        async (assert) => {
          const interrupted = new AbortController()
          // Ten minutes: only the abort can end it within the suite's timeout.
          const running = simulate(1, 600, GOOD_CARDS, interrupted.signal)
          assert.isTrue(await until(() => adapter.connected().length > 0, 10_000))
          interrupted.abort()
          const summary = await running
          assert.equal(summary.piles, 1)
          assert.isAtLeast(summary.frames.sent, 1)
          assert.isTrue(await until(() => adapter.connected().length === 0, 10_000))
        }
      )

      check('a refused card starts no charge', async (assert) => {
        const summary = await simulate(1, 3, [REFUSED_CARD])
        assert.isAtLeast(sink.swipes.length, 1)
        assert.lengthOf(sink.ends, 0)
        assert.equal(summary.chargesStarted, 0)
        assert.isAtLeast(
          Object.values(summary.refusals).reduce((sum, count) => sum + count, 0),
          1
        )
      })

      check('commands reach a connected pile; an unknown pile is not connected', async (assert) => {
        const running = simulate(1, 4)
        assert.isTrue(await until(() => adapter.connected().length > 0, 10_000))
        const [deviceKey] = adapter.connected()
        const outcome = await adapter.send(deviceKey, { type: 'stop', portNo: 1 })
        assert.oneOf(outcome.status, ['acked', 'failed'])
        const stranger = await adapter.send('NO-SUCH-PILE', { type: 'reboot' })
        assert.equal(stranger.status, 'not_connected')
        await running
      })

      check(
        'a start the pile refuses is reported at once; every command reports its outcome',
        async (assert) => {
          // Refused cards only: the simulated riders never take the port this test starts on.
          const running = simulate(1, 6, [REFUSED_CARD])
          assert.isTrue(await until(() => adapter.connected().length > 0, 10_000))
          const [deviceKey] = adapter.connected()
          const start = (commandId: number, orderNo: string) =>
            adapter.send(deviceKey, {
              commandId,
              type: 'start',
              portNo: 1,
              orderNo,
              limit: { kind: 'full' },
              maxDurationSeconds: 3600,
              balanceFen: 1000,
            })
          const first = await start(9001, 'CT00000000009001')
          // The port is taken now: the pile refuses a second start there.
          const second = await start(9002, 'CT00000000009002')
          assert.equal(first.status, 'acked')
          assert.equal(second.status, 'failed')
          assert.isTrue(await until(() => sink.commandResults.length >= 2, 10_000))
          assert.deepEqual(
            sink.commandResults.map((result) => [result.commandId, result.status]),
            [
              [9001, 'acked'],
              [9002, 'failed'],
            ]
          )
          assert.isTrue(await until(() => sink.startFailures.length > 0, 10_000))
          const [failure] = sink.startFailures
          assert.equal(failure.deviceKey, deviceKey)
          assert.equal(failure.portNo, 1)
          assert.equal(failure.orderNo, 'CT00000000009002')
          assert.oneOf(failure.reason, [
            'no_charger',
            'port_fault',
            'port_busy',
            'rejected',
            'timeout',
            'other',
          ])
          assert.instanceOf(failure.at, Date)
          // A command without an id (a test's, a tool's) reports nothing.
          await adapter.send(deviceKey, { type: 'stop', portNo: 2 })
          assert.lengthOf(sink.commandResults, 2)
          await running
        }
      )

      check(
        'a forgotten pile (taken by another gateway) is let go without an offline report',
        async (assert) => {
          assert.isFunction(adapter.forget, 'forget is optional in the contract, not here')
          // Piles every gateway reaches are never leased, so never forgotten.
          if (adapter.reachesEveryPile?.()) return
          const running = simulate(1, 3)
          assert.isTrue(await until(() => adapter.connected().length > 0, 10_000))
          const [deviceKey] = adapter.connected()
          const from = sink.presence.length
          await adapter.forget!(deviceKey)
          assert.notInclude(adapter.connected(), deviceKey)
          const unreached = await adapter.send(deviceKey, { type: 'reboot' })
          assert.equal(unreached.status, 'not_connected')
          await running
          // An offline report may only close a connection the pile opened after the forget.
          let open = 0
          for (const entry of sink.presence.slice(from)) {
            if (entry === `offline:${deviceKey}`) {
              assert.isAbove(open, 0, 'the forgotten connection was reported offline')
              open = 0
            } else if (entry.endsWith(`:${deviceKey}`)) {
              open += 1
            }
          }
        }
      )

      check('piles that leave are reported offline', async (assert) => {
        await simulate(1, 2)
        assert.isTrue(await until(() => sink.offline.length > 0, 10_000))
        assert.deepEqual(adapter.connected(), [])
      })
    }
  )
}

/** Registers the vendor contract as a Japa group: what a plugin's tests/contract.spec.ts calls. */
export function vendorAdapterContract(options: VendorContractOptions) {
  registerContract(vendorContractSuite(options))
}
