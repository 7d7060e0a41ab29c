import net from 'node:net'
import type { PluginLogger } from '#sdk/logger'
import { ConnectionGate, ThrottledLog } from '#sdk/device_edge'
import { ProxyHeaderReader, type PeerAddress } from '#sdk/proxy_protocol'
import type {
  VendorAdapter,
  VendorCommand,
  VendorCommandOutcome,
  VendorEventSink,
} from '#sdk/contracts/vendor'
import { DnyConnection, type DnyConnectionHost } from './connection.js'
import type { DnyAdapterConfig, DnyIdentity } from './config.js'
import { physicalIdOf } from './mapping.js'

interface Owner {
  connection: DnyConnection
  identity: DnyIdentity
}

/**
 * The DNY TCP server: one connection per 4G module (a host module carries
 * the frames of its sub-piles, each with its own physical id). Piles are
 * found by device key across connections; a pile that reconnects takes
 * its key over from its stale connection under the takeover rule (see
 * claim).
 */
export class DnyAdapter implements VendorAdapter, DnyConnectionHost {
  #server: net.Server | null = null
  #sink: VendorEventSink | null = null
  #connections = new Set<DnyConnection>()
  #byKey = new Map<string, Owner>()
  readonly #gate: ConnectionGate
  /** Behind a balancer (proxyProtocol): every connection names its pile's address first. */
  readonly #proxyHeaders: ProxyHeaderReader | null
  /** Every refusal goes through here: a flood costs one line per kind per 10 s. */
  readonly edgeLog: ThrottledLog

  constructor(
    readonly config: DnyAdapterConfig,
    readonly logger: PluginLogger
  ) {
    this.#gate = new ConnectionGate(config)
    this.edgeLog = new ThrottledLog(logger)
    this.#proxyHeaders = config.proxyProtocol
      ? new ProxyHeaderReader({
          log: this.edgeLog,
          label: 'dny',
          maxPending: config.maxConnections,
        })
      : null
  }

  get sink() {
    if (!this.#sink) throw new Error('vendor-dny adapter not started')
    return this.#sink
  }

  async start(sink: VendorEventSink) {
    if (this.#server) throw new Error('vendor-dny adapter already started')
    this.#sink = sink
    const server = net.createServer((socket) => this.#accept(socket))
    server.on('error', (error) => this.logger.error({ err: error }, 'dny server error'))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.config.port, this.config.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#server = server
    this.logger.info({ endpoint: this.endpoint() }, 'dny adapter listening')
  }

  async stop() {
    const server = this.#server
    if (!server) return
    this.#server = null
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const connection of this.#connections) connection.close()
    this.#proxyHeaders?.destroyAll()
    await closed
  }

  endpoint() {
    const address = this.#server?.address()
    const port = address && typeof address === 'object' ? address.port : this.config.port
    return `tcp://${this.config.host}:${port}`
  }

  connected() {
    return [...this.#byKey.keys()]
  }

  async send(deviceKey: string, command: VendorCommand): Promise<VendorCommandOutcome> {
    const connection = this.#byKey.get(deviceKey)?.connection
    const physicalId = physicalIdOf(deviceKey)
    if (!connection || physicalId === null) return { status: 'not_connected' }
    const outcome = await connection.send(physicalId, command)
    if (command.commandId !== null && command.commandId !== undefined) {
      await this.sink.commandResult({
        commandId: command.commandId,
        // The connection dropped before the pile answered: unanswered, as a timeout.
        status: outcome.status === 'not_connected' ? 'timeout' : outcome.status,
        result: { ...outcome.result, ...(outcome.detail ? { detail: outcome.detail } : {}) },
      })
    }
    return outcome
  }

  /** The pile is another gateway's now: its connection here lets it go, unreported. */
  async forget(deviceKey: string) {
    const owner = this.#byKey.get(deviceKey)
    if (!owner) return
    this.#byKey.delete(deviceKey)
    // Closes the connection when no other pile of a host module is left on it.
    owner.connection.release(deviceKey)
  }

  /**
   * A connection the core let speak for this pile asks to own its key. The
   * takeover rule: an open connection already owning it is replaced only by
   * an authenticated one, or by an unproven one when it is unproven too (a
   * legacy pile reconnecting after a half-open drop); an unproven one never
   * replaces an authenticated one. False: refused, nothing changed.
   */
  claim(deviceKey: string, connection: DnyConnection, identity: DnyIdentity) {
    const previous = this.#byKey.get(deviceKey)
    const live = previous && previous.connection !== connection && previous.connection.open
    if (live && identity === 'unproven' && previous.identity === 'authenticated') return false
    this.#byKey.set(deviceKey, { connection, identity })
    if (live) {
      this.logger.info(
        { deviceKey, identity, previous: previous.identity },
        'dny pile reconnected; its previous connection is dropped'
      )
      previous.connection.release(deviceKey)
    }
    return true
  }

  /** The connection closed: the piles it still owned are offline. */
  async closed(deviceKeys: string[], connection: DnyConnection) {
    this.#connections.delete(connection)
    for (const deviceKey of deviceKeys) {
      if (this.#byKey.get(deviceKey)?.connection !== connection) continue
      this.#byKey.delete(deviceKey)
      await this.sink
        .pileOffline(deviceKey)
        .catch((error) =>
          this.edgeLog.warn('offline_failed', { err: error, deviceKey }, 'dny pileOffline failed')
        )
    }
  }

  #accept(socket: net.Socket) {
    // A reset before we read it must not become an unhandled 'error' event.
    socket.on('error', () => {})
    if (this.#proxyHeaders) this.#proxyHeaders.accept(socket, (peer) => this.#admit(socket, peer))
    else
      this.#admit(socket, {
        address: socket.remoteAddress ?? null,
        port: socket.remotePort ?? null,
      })
  }

  /** Counts the connection under the pile's address (the balancer's header's, if any). */
  #admit(socket: net.Socket, peer: PeerAddress) {
    if (!this.#server) {
      socket.destroy()
      return
    }
    const ip = peer.address
    const admitted = this.#gate.admit(ip)
    if (admitted !== 'ok') {
      this.edgeLog.warn(`gate:${admitted}`, { ip }, `dny connection refused: ${admitted}`)
      socket.destroy()
      return
    }
    socket.once('close', () => this.#gate.release(ip))
    this.#connections.add(new DnyConnection(this, socket, peer))
  }
}
