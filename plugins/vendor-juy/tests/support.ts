import { decideIdentity } from '#sdk/testing/vendor_contract'
import { createServer, type AddressInfo } from 'node:net'
import { Logger } from '@adonisjs/core/logger'
import { Aedes, type Client } from 'aedes'
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

/** A logger whose lines the test can read. */
export function recordingLogger() {
  const lines: Record<string, any>[] = []
  const logger = new Logger({
    enabled: true,
    name: 'vendor-juy-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  return { logger, lines }
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A second, plain aedes broker: the stand-in for EMQX in external mode. */
export async function startPlainBroker(credentials?: { username: string; password: string }) {
  const subscriptions: string[] = []
  const broker = await Aedes.createBroker({
    // Piles are let in (this stand-in checks no device credentials); the gateway's user needs its password.
    authenticate(_client: Client, username, password, done) {
      if (!credentials || username !== credentials.username) return done(null, true)
      done(null, password?.toString() === credentials.password)
    },
  })
  broker.on('subscribe', (subs) => subscriptions.push(...subs.map((sub) => sub.topic)))
  const server = createServer(broker.handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `mqtt://127.0.0.1:${port}`,
    subscriptions,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
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
