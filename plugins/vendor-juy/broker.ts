import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import type { VendorIdentityClaim, VendorIdentityDecision } from '#sdk/contracts/vendor'
import { ConnectionGate, MessageRate, type EdgeLimits, type ThrottledLog } from '#sdk/device_edge'
import { ProxyHeaderReader, type PeerAddress } from '#sdk/proxy_protocol'
import { isImei } from './protocol/frame.js'

/*
| The embedded broker (aedes on a plain TCP listener): the single-machine
| default. Every pile signs in with username = its IMEI and password = the
| secret the core gave it at commissioning; the core decides (authenticate)
| before the pile may publish anything. The client id must be the IMEI too,
| so MQTT's "same client id replaces the older connection" is a takeover
| of that pile only, and only once the newcomer passed authentication. A
| pile publishes only on JUY/D2S/<its IMEI>/<CMD>/DEV and subscribes only
| to JUY/S2D/<its IMEI>/...: it can neither read another pile's commands
| nor speak for it. Every connection is counted (per listener and per
| source address), its packets are bounded in size and its messages in
| rate. The broker also tells the adapter when a pile's connection drops,
| which an external broker does not.
*/

const DEVICE_PUBLISH = /^JUY\/D2S\/(\d{15})\/[0-9A-Za-z]{1,4}\/DEV$/
const DEVICE_SUBSCRIBE = /^JUY\/S2D\/(\d{15})\/(?:\+|[0-9A-Za-z]{1,4})\/SERVER$/
/** Far above the longest JUY topic (36 characters): anything longer is hostile. */
export const MAX_TOPIC_LENGTH = 64
/** A pile's password as the core hands it out is far shorter. */
const MAX_PASSWORD_BYTES = 256
const GATEWAY_USERNAME = 'pilehub-gateway'
/** CONNACK return codes (MQTT 3.1.1). */
const CONNACK = { identifierRejected: 2, unavailable: 3, badCredentials: 4, notAuthorised: 5 }

export type IdentityStatus = 'authenticated' | 'unproven'

export interface EmbeddedBrokerOptions {
  host: string
  port: number
  /**
   * Piles come through a balancer that opens each connection with a PROXY
   * header; the gateway's own client then gets a loopback listener of its own.
   */
  proxyProtocol: boolean
  limits: EdgeLimits
  log: ThrottledLog
  /** The core's verdict on a pile's sign-in (sink.authenticate). */
  authenticate(claim: VendorIdentityClaim): Promise<VendorIdentityDecision>
  /** A pile's connection is the one speaking for its IMEI now. */
  onDeviceIdentified(imei: string, decision: VendorIdentityDecision): void
  /** A pile's connection closed and no newer one took its place. */
  onDeviceGone(imeis: string[]): void
}

export interface EmbeddedBroker {
  /** `mqtt://host:port` as bound (port 0 in the config picks a free one). */
  url: string
  /** Where the gateway's own client connects: loopback when bound to every interface. */
  localUrl: string
  /** What the gateway's own client signs in with. */
  credentials: { username: string; password: string }
  /** Closes the pile's connection without reporting it gone (it is another gateway's now). */
  disconnect(imei: string): void
  close(): Promise<void>
}

interface Identity {
  imei: string
  status: IdentityStatus
  decision: VendorIdentityDecision
}

class Refusal extends Error {
  constructor(
    readonly returnCode: number,
    readonly kind: string
  ) {
    super(kind)
  }
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { limits, log } = options
  /** Each connection's address: its PROXY header's behind a balancer, else the socket's own. */
  const peers = new WeakMap<object, PeerAddress>()
  function addressOf(client: Client) {
    return peers.get(client.conn)?.address ?? null
  }
  const password = randomBytes(24).toString('base64url')
  const gatewayClients = new WeakSet<Client>()
  /** Who each device connection proved to be, once the core let it in. */
  const identities = new WeakMap<Client, Identity>()
  const rates = new WeakMap<Client, MessageRate>()
  /** The connection speaking for each IMEI now… */
  const sessions = new Map<string, Client>()
  /** …and one that passed authentication and is replacing it (aedes closes the older first). */
  const successors = new Map<string, Client>()

  async function admit(client: Client, username: string | undefined, given?: Buffer) {
    if (username === GATEWAY_USERNAME) {
      const expected = Buffer.from(password)
      if (given && given.length === expected.length && timingSafeEqual(given, expected)) {
        gatewayClients.add(client)
        return
      }
      throw new Refusal(CONNACK.badCredentials, 'gateway_credentials')
    }
    if (!username || !isImei(username)) throw new Refusal(CONNACK.badCredentials, 'bad_username')
    // The client id is what MQTT takes over by: bound to the IMEI, a takeover is of this pile only.
    if (client.id !== username) throw new Refusal(CONNACK.identifierRejected, 'client_id_unbound')
    if (given && given.length > MAX_PASSWORD_BYTES) {
      throw new Refusal(CONNACK.badCredentials, 'password_too_long')
    }
    const decision = await withTimeout(
      options.authenticate({
        deviceKey: username,
        proof: given?.length
          ? { kind: 'secret', secret: given.toString('utf8') }
          : { kind: 'none' },
        ip: addressOf(client),
      }),
      limits.identifyTimeoutMs
    )
    if (decision.outcome === 'refused') {
      throw new Refusal(
        decision.reason === 'bad_credentials' ? CONNACK.badCredentials : CONNACK.notAuthorised,
        decision.reason
      )
    }
    const status: IdentityStatus = decision.outcome
    // A pile without proof never pushes a proven one offline (connected, or signing in now).
    const proven = [sessions.get(username), successors.get(username)].some(
      (other) => other && !other.closed && identities.get(other)?.status === 'authenticated'
    )
    if (status === 'unproven' && proven) {
      throw new Refusal(CONNACK.notAuthorised, 'takeover_refused')
    }
    identities.set(client, { imei: username, status, decision })
    successors.set(username, client)
  }

  const broker = await Aedes.createBroker({
    connectTimeout: limits.identifyTimeoutMs,
    authenticate(client, username, given, done) {
      admit(client, username, given)
        .then(
          () => done(null, true),
          (error: unknown) => {
            const refusal =
              error instanceof Refusal
                ? error
                : new Refusal(CONNACK.unavailable, 'identity_unknown')
            log.warn(
              `juy:connect:${refusal.kind}`,
              {
                username: username?.slice(0, 64),
                ip: addressOf(client),
                reason: refusal.kind,
                err: unexpected(error),
              },
              'vendor-juy: connection refused'
            )
            const answer = new Error(refusal.kind) as AuthenticateError
            answer.returnCode = refusal.returnCode
            done(answer, false)
          }
        )
        // aedes's own continuation failing must not become an unhandled rejection.
        .catch((error: unknown) =>
          log.warn(
            'juy:connect:failed',
            { err: String(error) },
            'vendor-juy: sign-in not completed'
          )
        )
    },
    authorizePublish(client, packet, callback) {
      if (!client || gatewayClients.has(client)) return callback(null)
      const refused = metered(client) ?? foreignTopic(client, packet.topic, DEVICE_PUBLISH)
      if (!refused) return callback(null)
      log.warn(
        `juy:publish:${refused}`,
        { imei: identities.get(client)?.imei, topic: packet.topic.slice(0, MAX_TOPIC_LENGTH) },
        'vendor-juy: publish refused, connection closed'
      )
      callback(new Error(refused))
    },
    authorizeSubscribe(client, subscription, callback) {
      if (gatewayClients.has(client)) return callback(null, subscription)
      const overRate = metered(client)
      if (overRate) return callback(new Error(overRate), null)
      const refused = foreignTopic(client, subscription.topic, DEVICE_SUBSCRIBE)
      if (!refused) return callback(null, subscription)
      log.warn(
        `juy:subscribe:${refused}`,
        {
          imei: identities.get(client)?.imei,
          topic: subscription.topic.slice(0, MAX_TOPIC_LENGTH),
        },
        'vendor-juy: subscription refused'
      )
      callback(null, null)
    },
  })

  /** Over its message rate: the pile is disconnected (it reconnects and resends what matters). */
  function metered(client: Client) {
    let rate = rates.get(client)
    if (!rate) rates.set(client, (rate = new MessageRate(limits)))
    return rate.take() ? null : 'rate_exceeded'
  }

  function foreignTopic(client: Client, topic: string, allowed: RegExp) {
    if (topic.length > MAX_TOPIC_LENGTH) return 'topic_too_long'
    const imei = allowed.exec(topic)?.[1]
    return imei !== undefined && imei === identities.get(client)?.imei ? null : 'foreign_topic'
  }

  // Registered: the older connection under this IMEI (if any) is closed by now.
  broker.on('client', (client) => {
    const identity = identities.get(client)
    if (!identity) return
    if (successors.get(identity.imei) === client) successors.delete(identity.imei)
    sessions.set(identity.imei, client)
    options.onDeviceIdentified(identity.imei, identity.decision)
  })

  broker.on('clientDisconnect', (client) => {
    const identity = identities.get(client)
    if (!identity || sessions.get(identity.imei) !== client) return
    sessions.delete(identity.imei)
    // Replaced by a newer connection of the same pile: a reconnect, not an absence.
    const successor = successors.get(identity.imei)
    if (successor && !successor.closed) return
    options.onDeviceGone([identity.imei])
  })

  const report = (kind: string) => (client: Client | null, error: Error) => {
    // Reset before saying anything: a balancer's health check (HAProxy resets them), not worth a line.
    const reset = (error as NodeJS.ErrnoException).code === 'ECONNRESET'
    if (reset && (!client || !identities.has(client))) return
    log.warn(
      `juy:${kind}:${error.message.slice(0, 60)}`,
      { ip: client ? addressOf(client) : null, err: error.message },
      `vendor-juy: ${kind}`
    )
  }
  broker.on('clientError', report('client error'))
  broker.on('connectionError', report('connection error'))
  // aedes emits 'error' for its persistence and will sweeps (its typings omit it); unheard, it would end the process.
  const emitter: EventEmitter = broker
  emitter.on('error', (error: Error) =>
    log.warn('juy:broker', { err: error.message }, 'vendor-juy: broker error')
  )

  const gate = new ConnectionGate(limits)
  function handle(socket: Socket, peer: PeerAddress) {
    const ip = peer.address
    const admitted = gate.admit(ip)
    if (admitted !== 'ok') {
      log.warn(`juy:gate:${admitted}`, { ip }, 'vendor-juy: connection refused')
      socket.destroy()
      return
    }
    socket.once('close', () => gate.release(ip))
    peers.set(socket, peer)
    const client = broker.handle(socket)
    if (
      !boundPacketSize(client, socket, limits.maxMessageBytes, () =>
        log.warn('juy:packet_too_large', { ip }, 'vendor-juy: packet too large, connection closed')
      )
    ) {
      log.warn('juy:unbounded', { ip }, 'vendor-juy: cannot bound packets, connection closed')
      socket.destroy()
    }
  }
  const ownAddress = (socket: Socket) => ({
    address: socket.remoteAddress ?? null,
    port: socket.remotePort ?? null,
  })
  const headers = options.proxyProtocol
    ? new ProxyHeaderReader({ log, label: 'vendor-juy', maxPending: limits.maxConnections })
    : null
  const server: Server = createServer((socket) => {
    socket.on('error', () => {})
    if (headers) headers.accept(socket, (peer) => handle(socket, peer))
    else handle(socket, ownAddress(socket))
  })
  await listen(server, options.port, options.host)
  server.on('error', (error) =>
    log.warn('juy:listener', { err: error.message }, 'vendor-juy: listener error')
  )
  // The gateway's own client sends no PROXY header: behind a balancer it connects here instead.
  const internal = headers
    ? createServer((socket) => {
        socket.on('error', () => {})
        handle(socket, ownAddress(socket))
      })
    : null
  if (internal) await listen(internal, 0, '127.0.0.1')
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const wildcard = address.address === '0.0.0.0' || address.address === '::'

  const internalPort = internal ? (internal.address() as AddressInfo).port : null
  return {
    url: `mqtt://${host}:${address.port}`,
    localUrl: internalPort
      ? `mqtt://127.0.0.1:${internalPort}`
      : `mqtt://${wildcard ? '127.0.0.1' : host}:${address.port}`,
    credentials: { username: GATEWAY_USERNAME, password },
    disconnect(imei) {
      const client = sessions.get(imei)
      if (!client) return
      // Gone from sessions first: its clientDisconnect then reports nothing.
      sessions.delete(imei)
      client.close()
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      headers?.destroyAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      if (internal) await new Promise<void>((resolve) => internal.close(() => resolve()))
    },
  }
}

/**
 * aedes (1.x) has no packet size limit: its parser buffers whatever length
 * a packet announces, up to 256 MB. The client's parser is wrapped so that
 * every byte first goes through MQTT's framing here, and a packet announcing
 * more than `maxBytes` closes the connection before it is buffered.
 */
function boundPacketSize(client: Client, socket: Socket, maxBytes: number, onRefused: () => void) {
  const parser = (client as unknown as { _parser?: { parse(chunk: Buffer): number } })._parser
  if (typeof parser?.parse !== 'function') return false
  const frames = new PacketSizeGuard(maxBytes)
  const parse = parser.parse.bind(parser)
  parser.parse = (chunk: Buffer) => {
    if (frames.accept(chunk)) return parse(chunk)
    onRefused()
    socket.destroy()
    return 0
  }
  return true
}

/** Follows MQTT's fixed headers across chunks: each packet's remaining length against a bound. */
export class PacketSizeGuard {
  #state: 'type' | 'length' | 'body' = 'type'
  #length = 0
  #lengthBytes = 0
  #left = 0

  constructor(private maxBytes: number) {}

  /** false once a packet is larger than the bound (or its length field malformed). */
  accept(chunk: Buffer) {
    let at = 0
    while (at < chunk.length) {
      if (this.#state === 'type') {
        at++
        this.#state = 'length'
        this.#length = 0
        this.#lengthBytes = 0
      } else if (this.#state === 'length') {
        const byte = chunk[at++]
        this.#length += (byte & 0x7f) * 128 ** this.#lengthBytes++
        if (this.#length > this.maxBytes) return false
        if (byte & 0x80) {
          if (this.#lengthBytes === 4) return false
        } else {
          this.#left = this.#length
          this.#state = this.#left ? 'body' : 'type'
        }
      } else {
        const taken = Math.min(this.#left, chunk.length - at)
        at += taken
        this.#left -= taken
        if (this.#left === 0) this.#state = 'type'
      }
    }
    return true
  }
}

function listen(server: Server, port: number, host: string) {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function unexpected(error: unknown) {
  return error instanceof Refusal ? undefined : String((error as Error)?.message ?? error)
}

function withTimeout<Value>(promise: Promise<Value>, ms: number) {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('authentication timed out')), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
