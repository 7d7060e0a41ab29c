import { decideIdentity } from '#sdk/testing/vendor_contract'
import { connect as connectTcp } from 'node:net'
import { WebSocket } from 'ws'
import { testContext } from '#sdk/testing/context'
import type {
  VendorCardDecision,
  VendorEventSink,
  VendorIdentityClaim,
  VendorIdentityDecision,
} from '#sdk/contracts/vendor'
import ocpp16 from '../index.js'
import type { OcppAdapter } from '../adapter.js'

export interface RecordedEvent {
  event: keyof VendorEventSink
  payload: any
  /** When the core got it (real clock). */
  receivedAt: number
}

/** The core's side as the gateway gives it, recording every event; decisions set per test. */
export class RecordingSink implements VendorEventSink {
  events: RecordedEvent[] = []
  acceptedPiles: Set<string> | null = null
  cards = new Map<string, VendorCardDecision>()
  #orders = 0

  /** Proof each device key must present (see decideIdentity). */
  identities = new Map<string, string>()
  /** Every identity claim, in order (kept apart from `events`: it precedes them all). */
  claims: VendorIdentityClaim[] = []
  /** Replaces the identity decision (other outcomes, failures). */
  decide: ((claim: VendorIdentityClaim) => Promise<VendorIdentityDecision>) | null = null

  async authenticate(claim: VendorIdentityClaim) {
    this.claims.push(claim)
    return this.decide ? this.decide(claim) : decideIdentity(this.identities, claim)
  }

  of(event: keyof VendorEventSink) {
    return this.events
      .filter((recorded) => recorded.event === event)
      .map((recorded) => recorded.payload)
  }

  #record(event: keyof VendorEventSink, payload: unknown) {
    this.events.push({ event, payload, receivedAt: Date.now() })
  }

  async pileOnline(report: any) {
    this.#record('pileOnline', report)
    const accepted = !this.acceptedPiles || this.acceptedPiles.has(report.deviceKey)
    return accepted ? { accepted, heartbeatSeconds: 120 } : { accepted }
  }
  async heartbeat(report: any) {
    this.#record('heartbeat', report)
    return { accepted: true, heartbeatSeconds: 120 }
  }
  async portStatus(deviceKey: string, port: any) {
    this.#record('portStatus', { deviceKey, ...port })
  }
  async pileOffline(deviceKey: string) {
    this.#record('pileOffline', { deviceKey })
  }
  async cardSwiped(event: any): Promise<VendorCardDecision> {
    this.#record('cardSwiped', event)
    return (
      this.cards.get(event.cardNo) ?? {
        authorised: true,
        orderNo: `ORD${String(++this.#orders).padStart(13, '0')}`,
        balanceFen: 10_000,
        limit: { kind: 'full' },
        maxDurationSeconds: 36_000,
      }
    )
  }
  async chargeStarted(event: any) {
    this.#record('chargeStarted', event)
    return { orderNo: event.orderNo ?? `OWN${event.transactionRef}`, accepted: true }
  }
  async chargeStartFailed(event: any) {
    this.#record('chargeStartFailed', event)
  }
  async meterSample(event: any) {
    this.#record('meterSample', event)
  }
  async chargeEnded(event: any) {
    this.#record('chargeEnded', event)
    return { orderNo: event.orderNo, settled: event.orderNo !== null }
  }
  async commandResult(event: any) {
    this.#record('commandResult', event)
  }
}

export async function startAdapter(config: Record<string, unknown> = {}) {
  const valid = await ocpp16.validateConfig({
    host: '127.0.0.1',
    port: 0,
    callTimeoutMs: 1000,
    ...config,
  })
  const adapter = (await ocpp16.create(valid, testContext())) as OcppAdapter
  const sink = new RecordingSink()
  await adapter.start(sink)
  return { adapter, sink }
}

/** A charge point driven frame by frame: sends raw frames and reads what comes back. */
export class RawCharger {
  received: string[] = []
  #waiters: ((frame: string) => void)[] = []

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString()
      const waiter = this.#waiters.shift()
      if (waiter) waiter(text)
      else this.received.push(text)
    })
  }

  static connect(
    url: string,
    options: {
      protocols?: string[]
      headers?: Record<string, string>
      ca?: string
      /** The loopback address to connect from (Linux routes all of 127/8). */
      localAddress?: string
    } = {}
  ): Promise<RawCharger> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? ['ocpp1.6'], {
        headers: options.headers,
        ca: options.ca,
        localAddress: options.localAddress,
      })
      socket.once('open', () => resolve(new RawCharger(socket)))
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`HTTP ${response.statusCode}`))
      )
      socket.once('error', reject)
    })
  }

  /** The next frame the central system sends, parsed. */
  next(timeoutMs = 2000): Promise<any[]> {
    const queued = this.received.shift()
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame came')), timeoutMs)
      this.#waiters.push((text) => {
        clearTimeout(timer)
        resolve(JSON.parse(text))
      })
    })
  }

  /** Resolves with the close code once the central system closes the connection. */
  closed(): Promise<number> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve(-1)
    return new Promise((resolve) => this.socket.once('close', (code) => resolve(code)))
  }

  sendRaw(text: string) {
    this.socket.send(text)
  }

  /** Sends a CALL and returns the answer frame. */
  async call(id: string, action: string, payload: unknown) {
    this.sendRaw(JSON.stringify([2, id, action, payload]))
    return this.next()
  }

  close() {
    return new Promise<void>((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve()
      this.socket.once('close', () => resolve())
      this.socket.close()
    })
  }
}

/** Resolves once `check` holds (events arrive asynchronously). */
export async function until(check: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Security Profile 1: `Authorization: Basic` of `<chargeBoxId>:<password bytes>`. */
export function basicAuth(user: string, password: Buffer | string) {
  const pair = Buffer.concat([Buffer.from(`${user}:`, 'latin1'), Buffer.from(password)])
  return { authorization: `Basic ${pair.toString('base64')}` }
}

/** An AuthorizationKey's Basic header, as its raw bytes (the Security Whitepaper's form). */
export function keyAuth(chargeBoxId: string, keyHex: string) {
  return basicAuth(chargeBoxId, Buffer.from(keyHex, 'hex'))
}

/**
 * Sends `request` as raw bytes and resolves with the status line and headers
 * of the answer (null when the connection closed without one).
 */
export function rawRequest(port: number, request: string | Buffer) {
  return new Promise<{ status: number; head: string } | null>((resolve) => {
    const socket = connectTcp(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)
      resolve(status ? { status: Number(status[1]), head: received.split('\r\n\r\n')[0] } : null)
    })
    socket.write(request, () => socket.end())
  })
}

/** A WebSocket upgrade request for `path`, with extra header lines. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}) {
  const lines = {
    'Host': '127.0.0.1',
    'Upgrade': 'websocket',
    'Connection': 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'ocpp1.6',
    ...headers,
  }
  const text = Object.entries(lines)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  return `GET ${path} HTTP/1.1\r\n${text}\r\n`
}
