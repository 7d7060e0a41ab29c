import net from 'node:net'
import type { Logger } from '@adonisjs/core/logger'
import type {
  VendorAdapter,
  VendorCardDecision,
  VendorCommand,
  VendorCommandOutcome,
  VendorEventSink,
} from '#plugins/contracts'
import { DnyConnection } from './connection.js'
import type { CardNumberFormat } from './mapping.js'
import { physicalIdOf } from './mapping.js'

export interface DnyAdapterConfig {
  host: string
  port: number
  maxConnections: number
  /** Wait for a pile's answer to a command before the one resend (the document: 15 s). */
  ackTimeoutMs: number
  /** Least time between two frames the server sends on one connection (the document: 0.5 s). */
  commandGapMs: number
  /** The piles' heartbeat interval; a connection silent for 3 of them is closed. */
  heartbeatSeconds: number
  /** Largest DNY length field accepted (see protocol/README.md). */
  maxFrameLength: number
  cardNumberFormat: CardNumberFormat
  /** 0x85 needs both limits: the one a set_parameters command leaves out is sent as this. */
  maxDurationSeconds: number
  overloadPowerWatts: number
}

export type AuthorisedCard = Extract<VendorCardDecision, { authorised: true }>

/**
 * The DNY TCP server: one connection per 4G module (a host module carries
 * the frames of its sub-piles, each with its own physical id). Piles are
 * found by device key across connections; a pile that reconnects takes
 * its key over from its stale connection.
 */
export class DnyAdapter implements VendorAdapter {
  #server: net.Server | null = null
  #sink: VendorEventSink | null = null
  #connections = new Set<DnyConnection>()
  #byKey = new Map<string, DnyConnection>()

  constructor(
    readonly config: DnyAdapterConfig,
    readonly logger: Logger
  ) {}

  get sink() {
    if (!this.#sink) throw new Error('vendor-dny adapter not started')
    return this.#sink
  }

  async start(sink: VendorEventSink) {
    if (this.#server) throw new Error('vendor-dny adapter already started')
    this.#sink = sink
    const server = net.createServer((socket) => this.#accept(socket))
    server.maxConnections = this.config.maxConnections
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
    const connection = this.#byKey.get(deviceKey)
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

  /** A connection saw this pile: it owns the key from now on. */
  claim(deviceKey: string, connection: DnyConnection) {
    const previous = this.#byKey.get(deviceKey)
    this.#byKey.set(deviceKey, connection)
    if (previous && previous !== connection) {
      this.logger.info({ deviceKey }, 'dny pile reconnected; its previous connection is dropped')
      previous.release(deviceKey)
    }
  }

  /** The connection closed: the piles it still owned are offline. */
  async closed(deviceKeys: string[], connection: DnyConnection) {
    this.#connections.delete(connection)
    for (const deviceKey of deviceKeys) {
      if (this.#byKey.get(deviceKey) !== connection) continue
      this.#byKey.delete(deviceKey)
      await this.sink
        .pileOffline(deviceKey)
        .catch((error) => this.logger.error({ err: error, deviceKey }, 'dny pileOffline failed'))
    }
  }

  #accept(socket: net.Socket) {
    if (!this.#server) {
      socket.destroy()
      return
    }
    this.#connections.add(new DnyConnection(this, socket))
  }
}
