import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { readFile } from 'node:fs/promises'
import { createSecureContext, TLSSocket } from 'node:tls'
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net'
import { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { PluginLogger } from '#sdk/logger'
import type {
  VendorAdapter,
  VendorChargeLimit,
  VendorCommand,
  VendorCommandOutcome,
  VendorDeviceProof,
  VendorEventSink,
  VendorIdentityDecision,
  VendorPortReport,
  VendorStopReason,
} from '#sdk/contracts/vendor'
import { ConnectionGate, MessageRate, ThrottledLog, type EdgeLimits } from '#sdk/device_edge'
import { ProxyHeaderReader, type PeerAddress } from '#sdk/proxy_protocol'
import { OcppCallError, type OcppPayload } from './protocol/frames.js'
import { OcppRpc, type CallOutcome } from './protocol/rpc.js'
import type { OcppRequest } from './protocol/messages.js'
import { readMeterValue } from './protocol/meter.js'

export const SUBPROTOCOL = 'ocpp1.6'
export const PLUGIN_ID = 'vendor-ocpp16'

export interface OcppAdapterConfig {
  host: string
  port: number
  /** URL prefix before the chargeBoxId, e.g. `/ocpp` for ws://host:7003/ocpp/CB0001. */
  path: string
  heartbeatInterval: number
  callTimeoutMs: number
  /**
   * How a charger's Basic auth password carries its AuthorizationKey: the
   * key's raw bytes (the Security Whitepaper's form) or its hex text (some
   * chargers' form).
   */
  basicAuthPassword: 'bytes' | 'hex-text'
  /** Serve wss:// (Security Profile 2) with this certificate; null serves ws://. */
  tls: OcppTlsConfig | null
  limits: EdgeLimits
  /** The largest HTTP header block of an upgrade request. */
  maxHeaderBytes: number
  /** A socket that has not completed its upgrade (TLS handshake included) by then is closed. */
  handshakeTimeoutMs: number
  /**
   * Connections come through a balancer that opens each with a PROXY header
   * (v1 or v2), before TLS: the charger's address is the header's, and the
   * gate counts it from the header on (its TLS handshake included).
   */
  proxyProtocol: boolean
}

/** PEM text, or the files holding it. */
export interface OcppTlsConfig {
  cert?: string
  key?: string
  certFile?: string
  keyFile?: string
}

/** The chargeBoxId as the core's device keys take it (app/services/operations/device_keys.ts). */
const CHARGE_BOX_ID = /^[A-Za-z0-9._:-]{1,20}$/

const STATUS_TEXTS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** The HTTP answer to each identity refusal; OCPP-J: an unknown chargeBoxId SHOULD get 404. */
const REFUSAL_STATUS: Record<
  Extract<VendorIdentityDecision, { outcome: 'refused' }>['reason'],
  number
> = {
  bad_credentials: 401,
  identity_changed: 401,
  invalid_key: 404,
  pending_full: 503,
}

/**
 * The AuthorizationKey a Basic auth password carries, as lower-case hex;
 * null when it cannot be one (16-20 bytes, or 32-40 hex digits as text).
 */
export function authorizationKeyHex(password: Buffer, form: 'bytes' | 'hex-text') {
  if (form === 'bytes') {
    return password.length >= 16 && password.length <= 20 ? password.toString('hex') : null
  }
  const text = password.toString('latin1')
  return /^(?:[0-9a-fA-F]{2}){16,20}$/.test(text) ? text.toLowerCase() : null
}

/** A charge the adapter knows of, by chargeBoxId and transactionId. */
interface Transaction {
  deviceKey: string
  portNo: number
  transactionId: number
  orderNo: string | null
  startedAt: Date
  meterStart: number
  lastEnergy: { wattHours: number; at: Date } | null
  maxPowerDeciwatts: number
  limit: VendorChargeLimit | null
  maxDurationSeconds: number | null
  /** Set when we asked the charger to stop because a limit was reached. */
  limitStop: VendorStopReason | null
  /** The connector went SuspendedEV: the vehicle stopped drawing (battery full). */
  evSuspended: boolean
  timer: NodeJS.Timeout | null
}

/** What the core said about a charge the charger is about to start. */
interface Authorisation {
  orderNo: string
  limit: VendorChargeLimit
  maxDurationSeconds: number
}

interface Session {
  deviceKey: string
  rpc: OcppRpc
  ip: string | null
  /** Proved its AuthorizationKey at the upgrade; only another proven connection replaces it. */
  authenticated: boolean
  /** Closes a connection without credentials that says nothing (identifyTimeoutMs). */
  identifyTimer: NodeJS.Timeout | null
  online: boolean
  /** connectorId → last OCPP status. */
  connectors: Map<number, { status: string; port: VendorPortReport }>
}

const PORT_STATES: Record<string, VendorPortReport['state']> = {
  Available: 'idle',
  Preparing: 'plugged',
  Charging: 'charging',
  SuspendedEVSE: 'charging',
  SuspendedEV: 'full',
  Finishing: 'plugged',
  Reserved: 'idle',
  Unavailable: 'fault',
  Faulted: 'fault',
}

const STOP_REASONS: Record<string, VendorStopReason> = {
  EmergencyStop: 'fault',
  EVDisconnected: 'unplugged',
  HardReset: 'other',
  Local: 'local_stop',
  Other: 'other',
  PowerLoss: 'power_loss',
  Reboot: 'other',
  Remote: 'remote_stop',
  SoftReset: 'other',
  UnlockCommand: 'local_stop',
  DeAuthorized: 'other',
}

/** Reasons a charger gives when a charge ends after the vehicle stopped drawing. */
const ENDS_WHEN_FULL = new Set(['EVDisconnected', 'Local', 'Other'])

/** A transactionRef this adapter gave out (an int32 transactionId), or null. */
function transactionIdOf(reference: string | null | undefined) {
  if (!reference || !/^-?\d{1,10}$/.test(reference)) return null
  const id = Number(reference)
  return id >= -(2 ** 31) && id < 2 ** 31 ? id : null
}

/** OCPP idTag is a CiString20; our order numbers are shorter, the tail is the unique part. */
export function idTagOf(orderNo: string) {
  return orderNo.slice(-20)
}

/*
| transactionIds: OCPP wants an integer, unique per charger; int32 is what
| chargers store. Each adapter start seeds the counter with the seconds
| since 2020-01-01, so ids keep rising across gateway restarts unless more
| than one charge a second was started for the whole previous run. The map
| transactionId → order lives in the adapter, so a charger reconnecting
| (same gateway) finds its charge; after a gateway restart every event
| still carries transactionRef = the id, which the core stored with the
| order at chargeStarted, so it can find the order itself.
*/
const EPOCH_2020 = Date.UTC(2020, 0, 1)

/*
| What one charger can make the adapter remember: open transactions and
| go-aheads not yet started. A real charger has one per connector; past
| this many the oldest is forgotten (its end still settles: the core finds
| the order by transactionRef, as after a gateway restart).
*/
export const MAX_REMEMBERED_PER_CHARGER = 64

/** Adds `key → value` to `map`, first forgetting the oldest entries of the same charger past the cap. */
function remember<Value>(
  map: Map<string, Value>,
  deviceKey: string,
  key: string,
  value: Value,
  forget?: (value: Value) => void
) {
  const prefix = `${deviceKey}#`
  const own = [...map.keys()].filter((candidate) => candidate.startsWith(prefix))
  for (const old of own.slice(0, Math.max(0, own.length - MAX_REMEMBERED_PER_CHARGER + 1))) {
    forget?.(map.get(old)!)
    map.delete(old)
  }
  map.set(key, value)
}

export class OcppAdapter implements VendorAdapter {
  /** What listens: the HTTP(S) server itself, or (proxyProtocol) a TCP server reading the header first. */
  #listener: TcpServer | null = null
  #proxyHeaders: ProxyHeaderReader | null = null
  /** The address from each accepted connection's PROXY header, by the socket given to the HTTP server. */
  #peers = new WeakMap<Socket, PeerAddress>()
  #wss: WebSocketServer | null = null
  #sink: VendorEventSink | null = null
  #sessions = new Map<string, Session>()
  #transactions = new Map<string, Transaction>()
  /** `${deviceKey}#${idTag}` → the core's go-ahead from Authorize or RemoteStartTransaction. */
  #authorisations = new Map<string, Authorisation>()
  #nextTransactionId = Math.floor((Date.now() - EPOCH_2020) / 1000)
  #port: number
  #stopping = false
  #gate: ConnectionGate
  /** Every refusal and peer problem goes through here, so a flood cannot fill the disk. */
  #log: ThrottledLog
  /** Sockets not upgraded yet: whether the gate admitted them, and their handshake deadline. */
  #handshakes = new WeakMap<Duplex, { admitted: boolean; timer: NodeJS.Timeout }>()
  /** Every open socket, closed by stop(). */
  #sockets = new Set<Socket>()

  constructor(
    readonly config: OcppAdapterConfig,
    readonly logger: PluginLogger
  ) {
    this.#port = config.port
    this.#gate = new ConnectionGate(config.limits)
    this.#log = new ThrottledLog(logger)
  }

  get #prefix() {
    return this.config.path.replace(/\/+$/, '')
  }

  endpoint() {
    return `${this.config.tls ? 'wss' : 'ws'}://${this.config.host}:${this.#port}${this.#prefix}`
  }

  connected() {
    return [...this.#sessions.keys()]
  }

  async start(sink: VendorEventSink) {
    this.#sink = sink
    this.#stopping = false
    const { limits, tls } = this.config
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    })
    const answer = (request: IncomingMessage, response: ServerResponse) =>
      this.#answerPlain(request, response)
    const http = { maxHeaderSize: this.config.maxHeaderBytes }
    const credentials = tls ? await readTls(tls) : null
    // Behind a balancer the PROXY header comes before TLS: TLS is then ended per connection below.
    const tlsServer = credentials !== null && !this.config.proxyProtocol
    const server = tlsServer
      ? createTlsServer(
          { ...http, ...credentials, handshakeTimeout: this.config.handshakeTimeoutMs },
          answer
        )
      : createServer(http, answer)
    server.on(tlsServer ? 'secureConnection' : 'connection', (socket: Socket) =>
      this.#connection(socket)
    )
    server.on('upgrade', (request, socket, head) => this.#upgrade(request, socket, head))
    if (this.config.proxyProtocol) {
      const headers = new ProxyHeaderReader({
        log: this.#log,
        label: 'vendor-ocpp16',
        maxPending: limits.maxConnections,
      })
      const secureContext = credentials ? createSecureContext(credentials) : null
      this.#proxyHeaders = headers
      this.#listener = createTcpServer((socket) =>
        headers.accept(socket, (peer) => {
          // TLS over the socket itself would read its handle and miss the bytes put back after the header.
          const stream = secureContext
            ? new TLSSocket(relay(socket), { isServer: true, secureContext })
            : socket
          this.#peers.set(stream, peer)
          server.emit('connection', stream)
        })
      )
    } else {
      this.#listener = server
    }
    const listener = this.#listener
    // Sockets the gate refused wait at most handshakeTimeoutMs for their 503; past this many, new ones are dropped unanswered.
    listener.maxConnections = limits.maxConnections * 2
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject)
      listener.listen(this.config.port, this.config.host, () => resolve())
    })
    // Accept failures (EMFILE and the like) after listening: logged, never the end of the process.
    listener.on('error', (error) =>
      this.#log.warn('server_error', { error: error.message }, 'vendor-ocpp16: listener error')
    )
    this.#port = (listener.address() as AddressInfo).port
    this.logger.info({ endpoint: this.endpoint() }, 'vendor-ocpp16: listening')
  }

  async stop() {
    this.#stopping = true
    for (const session of this.#sessions.values()) session.rpc.socket.terminate()
    this.#sessions.clear()
    for (const transaction of this.#transactions.values()) {
      if (transaction.timer) clearTimeout(transaction.timer)
    }
    this.#wss?.close()
    for (const socket of this.#sockets) socket.destroy()
    this.#proxyHeaders?.destroyAll()
    await new Promise<void>((resolve) =>
      this.#listener ? this.#listener.close(() => resolve()) : resolve()
    )
    this.#listener = null
    this.#proxyHeaders = null
    this.#wss = null
  }

  /** The charger is another gateway's now: its socket here closes, unreported. */
  async forget(deviceKey: string) {
    const session = this.#sessions.get(deviceKey)
    if (!session) return
    // Gone from the sessions first: the socket's close handler then reports nothing.
    this.#sessions.delete(deviceKey)
    session.rpc.socket.terminate()
  }

  async send(deviceKey: string, command: VendorCommand): Promise<VendorCommandOutcome> {
    const session = this.#sessions.get(deviceKey)
    if (!session) return { status: 'not_connected' }
    const outcome = await this.#send(session, command)
    if (command.commandId !== null && command.commandId !== undefined) {
      await this.#sink!.commandResult({
        commandId: command.commandId,
        // A charger gone mid-call never answered: the command timed out at the pile.
        status: outcome.status === 'not_connected' ? 'timeout' : outcome.status,
        result: { ...outcome.result, ...(outcome.detail ? { detail: outcome.detail } : {}) },
      })
    }
    return outcome
  }

  async #send(session: Session, command: VendorCommand): Promise<VendorCommandOutcome> {
    const { deviceKey } = session
    switch (command.type) {
      case 'start': {
        const idTag = idTagOf(command.orderNo)
        const key = `${deviceKey}#${idTag}`
        remember(this.#authorisations, deviceKey, key, {
          orderNo: command.orderNo,
          limit: command.limit,
          maxDurationSeconds: command.maxDurationSeconds,
        })
        const outcome = commandOutcome(
          await session.rpc.call('RemoteStartTransaction', { connectorId: command.portNo, idTag })
        )
        if (outcome.status !== 'acked') {
          this.#authorisations.delete(key)
          await this.#sink!.chargeStartFailed({
            deviceKey,
            portNo: command.portNo,
            orderNo: command.orderNo,
            reason: outcome.status === 'failed' ? 'rejected' : 'timeout',
            detail: outcome.detail ?? null,
            at: new Date(),
          })
        }
        return outcome
      }
      case 'stop': {
        const transaction = [...this.#transactions.values()].find(
          (candidate) =>
            candidate.deviceKey === deviceKey &&
            candidate.portNo === command.portNo &&
            (!command.orderNo || candidate.orderNo === command.orderNo)
        )
        // Not started under this adapter (another gateway's, or before a restart): the core knows its id.
        const transactionId = transaction?.transactionId ?? transactionIdOf(command.transactionRef)
        if (transactionId === null) return { status: 'failed', detail: 'no_transaction' }
        return commandOutcome(await session.rpc.call('RemoteStopTransaction', { transactionId }))
      }
      case 'reboot':
        return commandOutcome(await session.rpc.call('Reset', { type: 'Soft' }))
      case 'set_parameters': {
        const result: Record<string, unknown> = {}
        let rebootRequired = false
        for (const [key, value] of Object.entries(command.parameters)) {
          const outcome = commandOutcome(
            await session.rpc.call('ChangeConfiguration', { key, value: String(value) })
          )
          if (outcome.status !== 'acked') return { ...outcome, result }
          result[key] = outcome.detail
          if (outcome.detail === 'RebootRequired') rebootRequired = true
        }
        return { status: 'acked', result, ...(rebootRequired ? { detail: 'reboot_required' } : {}) }
      }
    }
  }

  /** Counts the connection at the gate and starts its handshake deadline. */
  #connection(socket: Socket) {
    const ip = this.#addressOf(socket)
    const admission = this.#gate.admit(ip)
    const admitted = admission === 'ok'
    if (!admitted) {
      this.#log.warn(admission, { ip }, `vendor-ocpp16: connection refused (${admission})`)
    }
    const timer = setTimeout(() => socket.destroy(), this.config.handshakeTimeoutMs)
    this.#handshakes.set(socket, { admitted, timer })
    this.#sockets.add(socket)
    socket.once('close', () => {
      clearTimeout(timer)
      this.#sockets.delete(socket)
      if (admitted) this.#gate.release(ip)
    })
  }

  /** Where a connection comes from: its PROXY header's address behind a balancer, else the socket's own. */
  #addressOf(socket: Socket) {
    if (!this.#proxyHeaders) return socket.remoteAddress ?? null
    return this.#peers.get(socket)?.address ?? null
  }

  /** A plain HTTP request: this port speaks WebSocket only. */
  #answerPlain(request: IncomingMessage, response: ServerResponse) {
    const full = !this.#handshakes.get(request.socket)?.admitted
    response
      .writeHead(full ? 503 : 426, { 'content-type': 'text/plain', 'connection': 'close' })
      .end(full ? 'Too many connections\n' : 'OCPP 1.6J over WebSocket\n')
  }

  #refuseUpgrade(
    socket: Duplex,
    status: number,
    kind: string,
    details: Record<string, unknown>,
    headers: Record<string, string> = {}
  ) {
    this.#log.warn(kind, details, `vendor-ocpp16: upgrade refused (${kind})`)
    if (socket.destroyed) return
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXTS[status]}\r\nConnection: close\r\nContent-Length: 0\r\n${lines.join('')}\r\n`
    )
  }

  #refuseCredentials(socket: Duplex, kind: string, details: Record<string, unknown>) {
    this.#refuseUpgrade(socket, 401, kind, details, { 'WWW-Authenticate': 'Basic realm="OCPP"' })
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    // Past 'upgrade' Node no longer listens for this socket's errors: one unheard would end the process.
    const onError = (error: Error) =>
      this.#log.warn('socket_error', { error: error.message }, 'vendor-ocpp16: socket error')
    socket.on('error', onError)
    this.#admit(request, socket, head).then(
      (opened) => {
        if (opened) socket.removeListener('error', onError)
      },
      (error: unknown) =>
        this.#refuseUpgrade(socket, 500, 'upgrade_failed', { error: String(error) })
    )
  }

  /** Decides an upgrade request; true when it became a session. */
  async #admit(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const ip = this.#addressOf(request.socket)
    const handshake = this.#handshakes.get(request.socket)
    if (!handshake?.admitted) {
      this.#refuseUpgrade(socket, 503, 'connections_full', { ip })
      return false
    }
    const deviceKey = this.#deviceKeyOf(request.url ?? '')
    if (!deviceKey) {
      this.#refuseUpgrade(socket, 404, 'bad_charge_box_id', { ip, url: request.url?.slice(0, 100) })
      return false
    }
    const offered = (request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
    if (!offered.includes(SUBPROTOCOL)) {
      this.#refuseUpgrade(socket, 400, 'no_subprotocol', { ip, deviceKey })
      return false
    }
    // A handshake the WebSocket server would refuse costs the core no identity lookup.
    if (!isWebSocketHandshake(request)) {
      this.#refuseUpgrade(socket, 400, 'bad_handshake', { ip, deviceKey })
      return false
    }
    const proof = this.#proofOf(deviceKey, request.headers.authorization)
    if (!proof) {
      this.#refuseCredentials(socket, 'malformed_credentials', { ip, deviceKey })
      return false
    }
    let decision: VendorIdentityDecision
    try {
      decision = await this.#sink!.authenticate({ deviceKey, proof, ip })
    } catch (error) {
      this.#refuseUpgrade(socket, 503, 'authenticate_failed', { deviceKey, error: String(error) })
      return false
    }
    if (socket.destroyed || this.#stopping) return false
    if (decision.outcome === 'refused') {
      const status = REFUSAL_STATUS[decision.reason]
      const details = { ip, deviceKey, proof: proof.kind }
      if (status === 401) this.#refuseCredentials(socket, decision.reason, details)
      else this.#refuseUpgrade(socket, status, decision.reason, details)
      return false
    }
    const authenticated = decision.outcome === 'authenticated'
    // Only a proven connection replaces a proven one: an impostor without the key cannot knock the charger off.
    if (!authenticated && this.#sessions.get(deviceKey)?.authenticated) {
      this.#refuseCredentials(socket, 'takeover_unproven', { ip, deviceKey })
      return false
    }
    clearTimeout(handshake.timer)
    // No verifyClient: the callback runs now, so no other upgrade can slip in between.
    this.#wss!.handleUpgrade(request, socket, head, (ws) =>
      this.#open(deviceKey, ws, ip, authenticated)
    )
    return true
  }

  /** The chargeBoxId of `/path/<id>`, percent-decoded; null when there is no valid one. */
  #deviceKeyOf(url: string) {
    const pathname = url.split('?')[0]
    const prefix = `${this.#prefix}/`
    if (!pathname.startsWith(prefix)) return null
    let key: string
    try {
      key = decodeURIComponent(pathname.slice(prefix.length))
    } catch {
      return null
    }
    return CHARGE_BOX_ID.test(key) ? key : null
  }

  /**
   * What the charger proves itself with: nothing, or the AuthorizationKey of
   * its Basic auth (Security Profile 1/2); null for a header that cannot be
   * right (not Basic, another user than the path's chargeBoxId, a key of
   * the wrong form).
   */
  #proofOf(deviceKey: string, header: string | undefined): VendorDeviceProof | null {
    if (header === undefined) return { kind: 'none' }
    const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim())
    if (!match) return null
    const decoded = Buffer.from(match[1], 'base64')
    // Read as `<chargeBoxId>:` then the key: both may hold a colon, so no split at the first one.
    const user = Buffer.from(`${deviceKey}:`, 'latin1')
    if (decoded.length < user.length || !decoded.subarray(0, user.length).equals(user)) return null
    const secret = authorizationKeyHex(decoded.subarray(user.length), this.config.basicAuthPassword)
    return secret === null ? null : { kind: 'secret', secret }
  }

  #open(deviceKey: string, socket: WebSocket, ip: string | null, authenticated: boolean) {
    const log = this.logger.child({ deviceKey })
    const { limits } = this.config
    // One line per charger per interval: a noisy charger does not hide the others.
    const warn = (detail: Record<string, unknown>, message: string) =>
      this.#log.warn(`peer:${deviceKey}`, { deviceKey, ...detail }, `vendor-ocpp16: ${message}`)
    const previous = this.#sessions.get(deviceKey)
    const session: Session = {
      deviceKey,
      ip,
      authenticated,
      identifyTimer: null,
      online: false,
      connectors: new Map(),
      rpc: new OcppRpc(socket, {
        answers: 'charge-point-calls',
        callTimeoutMs: this.config.callTimeoutMs,
        handle: (action, payload) => this.#handle(session, action, payload),
        problem: (message, detail) => warn(detail, message),
        limits: {
          rate: new MessageRate(limits),
          maxRefusedInARow: limits.messageBurst,
          maxQueuedCalls: limits.maxQueuedMessages,
        },
      }),
    }
    if (!authenticated) {
      // Nothing proven at the upgrade: it must at least speak OCPP soon, or give its place back.
      session.identifyTimer = setTimeout(() => {
        warn({ ip }, 'closed: no call within identifyTimeoutMs')
        socket.close(1008, 'no BootNotification')
      }, limits.identifyTimeoutMs)
    }
    // The charger reconnected before its old socket was seen closing: the new one wins.
    this.#sessions.set(deviceKey, session)
    previous?.rpc.socket.terminate()
    socket.on('error', (error) => warn({ error: error.message }, 'socket error'))
    socket.on('close', () => {
      if (session.identifyTimer) clearTimeout(session.identifyTimer)
      if (this.#sessions.get(deviceKey) !== session) return
      this.#sessions.delete(deviceKey)
      if (this.#stopping) return
      this.#sink!.pileOffline(deviceKey).catch((error: unknown) =>
        log.error({ error: String(error) }, 'vendor-ocpp16: pileOffline failed')
      )
    })
    log.info({ ip, authenticated }, 'vendor-ocpp16: connected')
  }

  async #handle(session: Session, action: string, payload: OcppPayload): Promise<OcppPayload> {
    const sink = this.#sink!
    const { deviceKey } = session
    if (session.identifyTimer) {
      clearTimeout(session.identifyTimer)
      session.identifyTimer = null
    }
    if (action === 'BootNotification') {
      const boot = payload as OcppRequest<'BootNotification'>
      const decision = await sink.pileOnline({
        deviceKey,
        firmware: boot.firmwareVersion ?? null,
        iccid: boot.iccid ?? null,
        protocolVersion: SUBPROTOCOL,
        ip: session.ip,
        at: new Date(),
      })
      session.online = true
      return {
        status: decision.accepted ? 'Accepted' : 'Rejected',
        currentTime: new Date().toISOString(),
        interval: decision.heartbeatSeconds ?? this.config.heartbeatInterval,
      }
    }
    if (!session.online) {
      // Chargers reconnecting after a network drop do not boot again.
      await sink.pileOnline({
        deviceKey,
        protocolVersion: SUBPROTOCOL,
        ip: session.ip,
        at: new Date(),
      })
      session.online = true
    }
    switch (action) {
      case 'Heartbeat':
        await sink.heartbeat({ deviceKey, at: new Date() })
        return { currentTime: new Date().toISOString() }
      case 'StatusNotification':
        await this.#status(session, payload as OcppRequest<'StatusNotification'>)
        return {}
      case 'Authorize':
        return this.#authorize(session, payload as OcppRequest<'Authorize'>)
      case 'StartTransaction':
        return this.#startTransaction(session, payload as OcppRequest<'StartTransaction'>)
      case 'MeterValues':
        await this.#meterValues(session, payload as OcppRequest<'MeterValues'>)
        return {}
      case 'StopTransaction':
        return this.#stopTransaction(session, payload as OcppRequest<'StopTransaction'>)
      case 'DataTransfer':
        return { status: 'UnknownVendorId' }
      case 'DiagnosticsStatusNotification':
      case 'FirmwareStatusNotification':
        return {}
    }
    throw new OcppCallError('NotSupported', `${action} is not supported here`)
  }

  async #status(session: Session, request: OcppRequest<'StatusNotification'>) {
    const { connectorId, status, errorCode } = request
    const faultCode = errorCode === 'NoError' ? null : (request.vendorErrorCode ?? errorCode)
    if (connectorId === 0) {
      // Connector 0 is the charger itself: a fault there stops every port; back to normal, each port is as it last said.
      const down = status === 'Faulted' || status === 'Unavailable'
      for (const [, known] of session.connectors) {
        await this.#sink!.portStatus(
          session.deviceKey,
          down
            ? { portNo: known.port.portNo, state: 'fault', faultCode: faultCode ?? status }
            : known.port
        )
      }
      return
    }
    const port: VendorPortReport = { portNo: connectorId, state: PORT_STATES[status], faultCode }
    session.connectors.set(connectorId, { status, port })
    if (status === 'SuspendedEV') {
      for (const transaction of this.#transactionsOn(session.deviceKey, connectorId)) {
        transaction.evSuspended = true
      }
    }
    await this.#sink!.portStatus(session.deviceKey, port)
  }

  async #authorize(session: Session, { idTag }: OcppRequest<'Authorize'>): Promise<OcppPayload> {
    // A RemoteStartTransaction's own idTag, checked again by a charger with AuthorizeRemoteTxRequests.
    if (this.#authorisations.has(`${session.deviceKey}#${idTag}`)) {
      return { idTagInfo: { status: 'Accepted' } }
    }
    // Authorize names no connector: the StartTransaction that follows gives the order its port.
    const decision = await this.#sink!.cardSwiped({
      deviceKey: session.deviceKey,
      portNo: null,
      cardNo: idTag,
      at: new Date(),
    })
    if (!decision.authorised) {
      const status =
        decision.reason === 'lost_card' || decision.reason === 'frozen' ? 'Blocked' : 'Invalid'
      return { idTagInfo: { status } }
    }
    remember(this.#authorisations, session.deviceKey, `${session.deviceKey}#${idTag}`, {
      orderNo: decision.orderNo,
      limit: decision.limit,
      maxDurationSeconds: decision.maxDurationSeconds,
    })
    return { idTagInfo: { status: 'Accepted' } }
  }

  async #startTransaction(
    session: Session,
    request: OcppRequest<'StartTransaction'>
  ): Promise<OcppPayload> {
    const { deviceKey } = session
    const authorisationKey = `${deviceKey}#${request.idTag}`
    const authorisation = this.#authorisations.get(authorisationKey) ?? null
    const transactionId = this.#nextTransactionId++
    const startedAt = new Date(request.timestamp)
    const started = await this.#sink!.chargeStarted({
      deviceKey,
      portNo: request.connectorId,
      orderNo: authorisation?.orderNo ?? null,
      transactionRef: String(transactionId),
      idTag: request.idTag,
      meterStartWattHours: request.meterStart,
      at: startedAt,
    })
    this.#authorisations.delete(authorisationKey)
    if (!started.accepted) {
      await this.#sink!.chargeStartFailed({
        deviceKey,
        portNo: request.connectorId,
        orderNo: started.orderNo,
        reason: 'rejected',
        detail: 'Invalid',
        at: startedAt,
      })
    }
    const transaction: Transaction = {
      deviceKey,
      portNo: request.connectorId,
      transactionId,
      orderNo: started.orderNo,
      startedAt,
      meterStart: request.meterStart,
      lastEnergy: null,
      maxPowerDeciwatts: 0,
      limit: authorisation?.limit ?? null,
      maxDurationSeconds: authorisation?.maxDurationSeconds ?? null,
      limitStop: null,
      evSuspended: false,
      timer: null,
    }
    remember(this.#transactions, deviceKey, `${deviceKey}#${transactionId}`, transaction, (old) => {
      if (old.timer) clearTimeout(old.timer)
    })
    if (started.accepted) this.#armTimeLimit(transaction)
    return {
      transactionId,
      idTagInfo: { status: started.accepted ? 'Accepted' : 'Invalid' },
    }
  }

  /** Seconds the charge may run, from its limit and the core's maximum; null when unbounded. */
  #timeLimit(transaction: Transaction): { seconds: number; reason: VendorStopReason } | null {
    const limits: { seconds: number; reason: VendorStopReason }[] = []
    if (transaction.limit?.kind === 'duration') {
      limits.push({ seconds: transaction.limit.seconds, reason: 'time_limit' })
    }
    if (transaction.maxDurationSeconds) {
      limits.push({ seconds: transaction.maxDurationSeconds, reason: 'time_limit' })
    }
    return limits.sort((a, b) => a.seconds - b.seconds)[0] ?? null
  }

  /** OCPP chargers know no duration or energy limit: the adapter stops the charge itself. */
  #armTimeLimit(transaction: Transaction) {
    const limit = this.#timeLimit(transaction)
    if (!limit) return
    transaction.timer = setTimeout(
      () => this.#limitReached(transaction, limit.reason),
      limit.seconds * 1000
    )
    transaction.timer.unref()
  }

  #limitReached(transaction: Transaction, reason: VendorStopReason) {
    if (transaction.limitStop) return
    transaction.limitStop = reason
    const session = this.#sessions.get(transaction.deviceKey)
    if (!session) return
    session.rpc
      .call('RemoteStopTransaction', { transactionId: transaction.transactionId })
      .then((outcome) => {
        if (commandOutcome(outcome).status !== 'acked') {
          // Not taken: the next meter sample or timer tries again.
          transaction.limitStop = null
        }
      })
      .catch((error: unknown) => {
        transaction.limitStop = null
        this.logger.error({ error: String(error) }, 'vendor-ocpp16: limit stop failed')
      })
  }

  *#transactionsOn(deviceKey: string, portNo: number) {
    for (const transaction of this.#transactions.values()) {
      if (transaction.deviceKey === deviceKey && transaction.portNo === portNo) yield transaction
    }
  }

  async #meterValues(session: Session, request: OcppRequest<'MeterValues'>) {
    const { deviceKey } = session
    // Connector 0 reports the charger's main meter, not a charge.
    if (request.connectorId === 0) return
    const transaction =
      request.transactionId !== undefined
        ? (this.#transactions.get(`${deviceKey}#${request.transactionId}`) ?? null)
        : ([...this.#transactionsOn(deviceKey, request.connectorId)][0] ?? null)
    const reference = request.transactionId ?? transaction?.transactionId
    for (const value of request.meterValue) {
      const at = new Date(value.timestamp)
      const reading = readMeterValue(value)
      let powerDeciwatts = reading.powerDeciwatts
      let energyWattHours: number | null = null
      if (reading.energyWattHours !== null && transaction) {
        energyWattHours = Math.max(0, reading.energyWattHours - transaction.meterStart)
        const last = transaction.lastEnergy
        if (powerDeciwatts === null && last && at > last.at) {
          // No power measurand: the mean power since the last register reading.
          const hours = (at.getTime() - last.at.getTime()) / 3_600_000
          powerDeciwatts = Math.max(
            0,
            Math.round(((reading.energyWattHours - last.wattHours) / hours) * 10)
          )
        }
        transaction.lastEnergy = { wattHours: reading.energyWattHours, at }
      }
      if (powerDeciwatts !== null) {
        if (transaction)
          transaction.maxPowerDeciwatts = Math.max(transaction.maxPowerDeciwatts, powerDeciwatts)
        await this.#sink!.meterSample({
          deviceKey,
          portNo: request.connectorId,
          orderNo: transaction?.orderNo ?? null,
          transactionRef: reference === undefined ? null : String(reference),
          powerDeciwatts,
          energyWattHours,
          at,
        })
      }
      if (transaction) this.#checkLimits(transaction, at, energyWattHours)
    }
  }

  #checkLimits(transaction: Transaction, at: Date, energyWattHours: number | null) {
    const { limit } = transaction
    if (
      limit?.kind === 'energy' &&
      energyWattHours !== null &&
      energyWattHours >= limit.wattHours
    ) {
      return this.#limitReached(transaction, 'energy_limit')
    }
    // The charger's clock counts too: a charger whose clock runs ahead reaches the limit first.
    const time = this.#timeLimit(transaction)
    if (time && at.getTime() - transaction.startedAt.getTime() >= time.seconds * 1000) {
      this.#limitReached(transaction, time.reason)
    }
  }

  async #stopTransaction(
    session: Session,
    request: OcppRequest<'StopTransaction'>
  ): Promise<OcppPayload> {
    const { deviceKey } = session
    const key = `${deviceKey}#${request.transactionId}`
    const transaction = this.#transactions.get(key) ?? null
    const endedAt = new Date(request.timestamp)
    const reason = request.reason ?? 'Local'
    let stopReason = STOP_REASONS[reason]
    if (transaction?.limitStop && reason === 'Remote') stopReason = transaction.limitStop
    else if (transaction?.evSuspended && ENDS_WHEN_FULL.has(reason)) stopReason = 'full'
    // OCPP gives registers only: the session's energy is known here when the start reading is.
    const meterStart = transaction?.meterStart ?? beginRegister(request.transactionData)
    await this.#sink!.chargeEnded({
      deviceKey,
      portNo: transaction?.portNo ?? this.#portOfUnknown(session),
      orderNo: transaction?.orderNo ?? null,
      transactionRef: String(request.transactionId),
      startedAt: transaction?.startedAt ?? null,
      endedAt,
      // Unknown after a gateway restart: the core has the start it stored.
      durationSeconds: transaction
        ? Math.max(0, Math.round((endedAt.getTime() - transaction.startedAt.getTime()) / 1000))
        : null,
      energyWattHours: meterStart === null ? null : Math.max(0, request.meterStop - meterStart),
      meterStopWattHours: request.meterStop,
      maxPowerDeciwatts: transaction?.maxPowerDeciwatts ?? null,
      stopReason,
      rawStopCode: reason,
    })
    if (transaction) {
      if (transaction.timer) clearTimeout(transaction.timer)
      this.#transactions.delete(key)
    }
    return request.idTag ? { idTagInfo: { status: 'Accepted' } } : {}
  }

  /** StopTransaction names no connector; for a charge we do not know, a charging port is the best guess. */
  #portOfUnknown(session: Session) {
    for (const [connectorId, known] of session.connectors) {
      if (known.port.state === 'charging' || known.port.state === 'full') return connectorId
    }
    return 1
  }
}

/** The energy register at the start of a charge, from StopTransaction's transactionData. */
function beginRegister(data: OcppRequest<'StopTransaction'>['transactionData']) {
  for (const value of data ?? []) {
    const begins = value.sampledValue.some((sample) => sample.context === 'Transaction.Begin')
    const energy = readMeterValue(value).energyWattHours
    if (begins && energy !== null) return energy
  }
  return null
}

function commandOutcome(outcome: CallOutcome): VendorCommandOutcome & { detail?: string } {
  switch (outcome.kind) {
    case 'timeout':
      return { status: 'timeout' }
    case 'closed':
      return { status: 'not_connected' }
    case 'error':
      return {
        status: 'failed',
        detail: outcome.code,
        result: { description: outcome.description },
      }
    case 'result': {
      const status = String(outcome.payload.status)
      const taken = status === 'Accepted' || status === 'RebootRequired'
      return { status: taken ? 'acked' : 'failed', detail: status }
    }
  }
}

/** What RFC 6455 asks of an opening handshake (the ws server checks it again). */
function isWebSocketHandshake(request: IncomingMessage) {
  const { upgrade, 'sec-websocket-key': key, 'sec-websocket-version': version } = request.headers
  return (
    request.method === 'GET' &&
    upgrade?.toLowerCase() === 'websocket' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key ?? '') &&
    (version === '13' || version === '8')
  )
}

/**
 * The accepted socket as a plain stream, for TLS: TLS then reads through
 * JavaScript, the bytes put back after the PROXY header included.
 */
function relay(socket: Socket): Duplex {
  const stream = new Duplex({
    read: () => void socket.resume(),
    write: (chunk, encoding, callback) => void socket.write(chunk, encoding, callback),
    final: (callback) => void socket.end(callback),
    destroy: (error, callback) => {
      socket.destroy()
      callback(error)
    },
  })
  socket.on('data', (chunk) => {
    if (!stream.push(chunk)) socket.pause()
  })
  socket.on('end', () => stream.push(null))
  socket.on('close', () => stream.destroy())
  return stream
}

/** The certificate and key of a TLS listener, from PEM text or files. */
async function readTls(tls: OcppTlsConfig) {
  const cert = tls.cert ?? (tls.certFile ? await readFile(tls.certFile, 'utf8') : null)
  const key = tls.key ?? (tls.keyFile ? await readFile(tls.keyFile, 'utf8') : null)
  if (!cert || !key) throw new Error('vendor-ocpp16: tls needs a certificate and a key')
  return { cert, key }
}
