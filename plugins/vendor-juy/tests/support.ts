import { decideIdentity } from '#sdk/testing/vendor_contract'
import mqtt, { type MqttClient } from 'mqtt'
import type {
  VendorCardDecision,
  VendorChargeEnd,
  VendorEventSink,
  VendorIdentityClaim,
  VendorIdentityDecision,
  VendorPileReport,
} from '#sdk/contracts/vendor'
import {
  decodeServerMessage,
  encodeDeviceMqttMessage,
  type JuyDeviceMessage,
  type JuyServerMessage,
} from '../protocol/codec.js'
import { readServerMqttFrame } from '../protocol/mqtt.js'

type Sink = VendorEventSink
type Args<Name extends keyof Sink> = Parameters<Sink[Name]>[0]

/** The core's side as the tests need it: every event kept, decisions chosen by the test. */
export class RecordingSink implements VendorEventSink {
  online: VendorPileReport[] = []
  heartbeats: VendorPileReport[] = []
  offline: string[] = []
  swipes: Args<'cardSwiped'>[] = []
  started: Args<'chargeStarted'>[] = []
  samples: Args<'meterSample'>[] = []
  ended: VendorChargeEnd[] = []
  startFailures: Args<'chargeStartFailed'>[] = []
  commandResults: Args<'commandResult'>[] = []
  accept = true
  /** Proof each device key must present (see decideIdentity). */
  identities = new Map<string, string>()
  claims: VendorIdentityClaim[] = []
  /** The core's verdict; a test may answer otherwise (unknown devices, a failing core). */
  identify: (claim: VendorIdentityClaim) => Promise<VendorIdentityDecision> = async (claim) =>
    decideIdentity(this.identities, claim)
  /** While set, heartbeats wait for it: a core slower than the piles. */
  heartbeatsHeld: Promise<void> | null = null

  async authenticate(claim: VendorIdentityClaim) {
    this.claims.push(claim)
    return this.identify(claim)
  }

  #orders = 0
  decideCard: (swipe: Args<'cardSwiped'>) => VendorCardDecision = () => ({
    authorised: true,
    orderNo: `JUY${String(++this.#orders).padStart(6, '0')}`,
    balanceFen: 5000,
    limit: { kind: 'duration', seconds: 1800 },
    maxDurationSeconds: 36_000,
  })

  async pileOnline(report: VendorPileReport) {
    this.online.push(report)
    return { accepted: this.accept, heartbeatSeconds: 30 }
  }

  async heartbeat(report: VendorPileReport) {
    if (this.heartbeatsHeld) await this.heartbeatsHeld
    this.heartbeats.push(report)
    return { accepted: this.accept }
  }

  async portStatus() {}

  async pileOffline(deviceKey: string) {
    this.offline.push(deviceKey)
  }

  async cardSwiped(event: Args<'cardSwiped'>) {
    this.swipes.push(event)
    return this.decideCard(event)
  }

  async chargeStarted(event: Args<'chargeStarted'>) {
    this.started.push(event)
    return { orderNo: event.orderNo ?? 'unknown', accepted: true }
  }

  async chargeStartFailed(event: Args<'chargeStartFailed'>) {
    this.startFailures.push(event)
  }

  async meterSample(event: Args<'meterSample'>) {
    this.samples.push(event)
  }

  async chargeEnded(event: VendorChargeEnd) {
    const first = !this.ended.some(
      (seen) => seen.deviceKey === event.deviceKey && seen.transactionRef === event.transactionRef
    )
    this.ended.push(event)
    return { orderNo: event.orderNo, settled: first }
  }

  async commandResult(event: Args<'commandResult'>) {
    this.commandResults.push(event)
  }
}

/** The kit's logger whose lines a test reads, beside this folder's other helpers. */
export { recordingLogger } from '#sdk/testing/context'

export async function waitFor(check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A hand-driven pile: what it sends is chosen by the test, what it gets is decoded and kept. */
export class TestDevice {
  received: JuyServerMessage[] = []

  private constructor(
    readonly imei: string,
    readonly client: MqttClient
  ) {}

  /** Signs in as a JUY module does: username and client id = the IMEI (override in `options`). */
  static async connect(url: string, imei: string, options: mqtt.IClientOptions = {}) {
    const client = await mqtt.connectAsync(url, { clientId: imei, username: imei, ...options })
    const device = new TestDevice(imei, client)
    client.on('message', async (topic, payload) => {
      const read = readServerMqttFrame(topic, payload)
      if (!read.ok) return
      const decoded = await decodeServerMessage(read.frame)
      if (decoded.ok) device.received.push(decoded.message)
    })
    await client.subscribeAsync(`JUY/S2D/${imei}/+/SERVER`, { qos: 1 })
    return device
  }

  async send(message: JuyDeviceMessage) {
    const { topic, payload } = encodeDeviceMqttMessage(this.imei, message)
    await this.client.publishAsync(topic, payload, { qos: 1 })
  }

  async raw(topic: string, payload: Buffer) {
    await this.client.publishAsync(topic, payload, { qos: 1 })
  }

  of<Type extends JuyServerMessage['type']>(type: Type) {
    return this.received.filter(
      (message): message is Extract<JuyServerMessage, { type: Type }> => message.type === type
    )
  }

  async login(portCount = 2) {
    await this.send({
      type: 'login',
      imei: this.imei,
      portCount,
      hardwareVersion: 'JUY_B2_Q800M_1_0',
      softwareVersion: 'JUY_B2_COMM_V1.7',
      ccid: '898604E81023C0963731',
      signal: 27,
      protocolVersion: null,
      reason: 0,
    })
    await waitFor(() => this.of('login_reply').length > 0)
  }

  close() {
    return this.client.endAsync(true)
  }
}

type SinkCall = Exclude<keyof VendorEventSink, 'authenticate' | 'portStatus'>

interface CoreOrder {
  orderNo: string
  deviceKey: string
  portNo: number
  status: 'authorised' | 'charging' | 'ended' | 'cancelled'
  transactionRef: string | null
  /** Gateways whose events moved it. */
  startedBy: string | null
  endedBy: string[]
  settlements: number
}

/**
 * One core behind several gateways, as PostgreSQL is: each gateway gets its
 * own sink (so a test sees which gateway handled what), and an event finds
 * its order the way the core's services do: by our order number, else the
 * transaction reference, else the port's newest open order.
 */
export class SharedCore {
  orders: CoreOrder[] = []
  calls = new Map<string, Map<SinkCall, number>>()
  ends: (VendorChargeEnd & { gateway: string })[] = []
  commandResults: (Args<'commandResult'> & { gateway: string })[] = []
  offline: { gateway: string; deviceKey: string }[] = []
  online = new Set<string>()
  #sequence = 0

  /** An order waiting for its start, as remote control opens it. */
  authorise(deviceKey: string, portNo: number) {
    const orderNo = `CT${String(++this.#sequence).padStart(14, '0')}`
    this.orders.push({
      orderNo,
      deviceKey,
      portNo,
      status: 'authorised',
      transactionRef: null,
      startedBy: null,
      endedBy: [],
      settlements: 0,
    })
    return orderNo
  }

  count(gateway: string, call: SinkCall) {
    return this.calls.get(gateway)?.get(call) ?? 0
  }

  total(call: SinkCall) {
    return [...this.calls.keys()].reduce((sum, gateway) => sum + this.count(gateway, call), 0)
  }

  find(
    event: {
      deviceKey: string
      portNo: number
      orderNo: string | null
      transactionRef?: string | null
    },
    statuses: CoreOrder['status'][]
  ) {
    const mine = this.orders.filter((order) => order.deviceKey === event.deviceKey).reverse()
    return (
      (event.orderNo ? mine.find((order) => order.orderNo === event.orderNo) : undefined) ??
      (event.transactionRef
        ? mine.find((order) => order.transactionRef === event.transactionRef)
        : undefined) ??
      mine.find((order) => order.portNo === event.portNo && statuses.includes(order.status))
    )
  }

  sink(gateway: string): VendorEventSink {
    const core = this
    const counted = (call: SinkCall) => {
      const calls = core.calls.get(gateway) ?? new Map<SinkCall, number>()
      core.calls.set(gateway, calls)
      calls.set(call, (calls.get(call) ?? 0) + 1)
    }
    return {
      async authenticate() {
        return { outcome: 'authenticated' }
      },
      async pileOnline(report) {
        counted('pileOnline')
        core.online.add(report.deviceKey)
        return { accepted: true, heartbeatSeconds: 60 }
      },
      async heartbeat() {
        counted('heartbeat')
        return { accepted: true, heartbeatSeconds: 60 }
      },
      async portStatus() {},
      async pileOffline(deviceKey) {
        counted('pileOffline')
        core.offline.push({ gateway, deviceKey })
      },
      async cardSwiped(event) {
        counted('cardSwiped')
        return {
          authorised: true,
          orderNo: core.authorise(event.deviceKey, event.portNo!),
          balanceFen: 5000,
          limit: { kind: 'full' },
          maxDurationSeconds: 36_000,
        }
      },
      async chargeStarted(event) {
        counted('chargeStarted')
        const order = core.find(event, ['authorised'])
        if (!order) return { orderNo: event.orderNo ?? 'unknown', accepted: false }
        if (order.status === 'authorised') {
          order.status = 'charging'
          order.transactionRef = event.transactionRef ?? null
          order.startedBy = gateway
        }
        return { orderNo: order.orderNo, accepted: true }
      },
      async chargeStartFailed(event) {
        counted('chargeStartFailed')
        const order = core.find(event, ['authorised'])
        if (order?.status === 'authorised') order.status = 'cancelled'
      },
      async meterSample() {
        counted('meterSample')
      },
      async chargeEnded(event) {
        counted('chargeEnded')
        core.ends.push({ ...event, gateway })
        const order = core.find(event, ['authorised', 'charging'])
        if (!order) return { orderNo: null, settled: false }
        order.endedBy.push(gateway)
        if (order.status !== 'ended') {
          order.status = 'ended'
          order.settlements++
        }
        return { orderNo: order.orderNo, settled: true }
      },
      async commandResult(event) {
        counted('commandResult')
        core.commandResults.push({ ...event, gateway })
      },
    }
  }
}
