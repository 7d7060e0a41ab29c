import pg from 'pg'
import app from '@adonisjs/core/services/app'
import { MemoryTransport } from '@boringnode/bus/transports/memory'
import type {
  Serializable,
  SubscribeHandler,
  Transport,
  TransportFactory,
} from '@boringnode/bus/types/main'

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7999

const RECONNECT_MS = 1000

/**
 * A transmit/bus transport over PostgreSQL LISTEN/NOTIFY, so the gateway and
 * the worker reach the web process's SSE clients with no Redis: the default
 * deployment has only PostgreSQL. One dedicated client per process (LISTEN
 * holds its session), connected on first use and re-connected (re-LISTENing)
 * after a drop. Messages published by this bus come back through LISTEN and
 * are skipped by their bus id, like the redis transport does.
 */
export class PostgresTransport implements Transport {
  #config: pg.ClientConfig
  #client: pg.Client | null = null
  #connecting: Promise<pg.Client> | null = null
  #handlers = new Map<string, SubscribeHandler<any>[]>()
  #reconnectCallbacks: (() => void)[] = []
  #id: string | undefined
  #closed = false
  #reconnecting = false
  #publishing: Promise<unknown> = Promise.resolve()

  constructor(config: pg.ClientConfig) {
    this.#config = config
  }

  setId(id: string) {
    this.#id = id
    return this
  }

  onReconnect(callback: () => void) {
    this.#reconnectCallbacks.push(callback)
  }

  async publish(channel: string, message: Serializable) {
    if (!this.#id) throw new Error('You must set an id before publishing a message')
    const encoded = JSON.stringify({ busId: this.#id, payload: message })
    if (Buffer.byteLength(encoded) > MAX_NOTIFY_BYTES) {
      throw new RangeError(`Live message of ${Buffer.byteLength(encoded)} bytes is too large`)
    }
    // One client, one query at a time: pg queues overlapping queries today but
    // deprecates it, so the notifications go out in order through one chain.
    const sent = this.#publishing.then(async () => {
      const client = await this.#connect()
      await client.query('SELECT pg_notify($1, $2)', [channel, encoded])
    })
    this.#publishing = sent.catch(() => undefined)
    await sent
  }

  async subscribe<T extends Serializable>(channel: string, handler: SubscribeHandler<T>) {
    const handlers = this.#handlers.get(channel) ?? []
    handlers.push(handler)
    this.#handlers.set(channel, handlers)
    if (handlers.length > 1) return
    try {
      const client = await this.#connect()
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
    } catch {
      // Transmit subscribes from its constructor without awaiting: a rejection
      // here (database starting, restarting or stopping) would end the process.
      // Reconnecting listens to every channel once the database answers.
      this.#reconnectLater()
    }
  }

  async unsubscribe(channel: string) {
    this.#handlers.delete(channel)
    if (this.#client) await this.#client.query(`UNLISTEN ${this.#client.escapeIdentifier(channel)}`)
  }

  async disconnect() {
    this.#closed = true
    const client = this.#client ?? (await this.#connecting?.catch(() => null))
    this.#client = null
    await client?.end().catch(() => undefined)
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client)
    this.#connecting ??= this.#open().finally(() => (this.#connecting = null))
    return this.#connecting
  }

  async #open() {
    const client = new pg.Client(this.#config)
    client.on('notification', (message) => this.#onNotification(message))
    // A dropped session loses its LISTENs: reconnect and listen again.
    client.on('error', () => this.#lost(client))
    client.on('end', () => this.#lost(client))
    await client.connect()
    for (const channel of this.#handlers.keys()) {
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
    }
    if (this.#closed) {
      await client.end()
      throw new Error('Live transport is disconnected')
    }
    this.#client = client
    return client
  }

  #lost(client: pg.Client) {
    if (this.#client !== client) return
    this.#client = null
    this.#reconnectLater()
  }

  #reconnectLater() {
    if (this.#closed || this.#reconnecting) return
    this.#reconnecting = true
    const retry = () => {
      if (this.#closed) return
      this.#connect().then(
        () => {
          this.#reconnecting = false
          this.#reconnectCallbacks.forEach((callback) => callback())
        },
        () => setTimeout(retry, RECONNECT_MS).unref()
      )
    }
    setTimeout(retry, RECONNECT_MS).unref()
  }

  #onNotification(message: pg.Notification) {
    const handlers = this.#handlers.get(message.channel)
    if (!handlers || !message.payload) return
    let decoded: { busId?: unknown; payload?: Serializable }
    try {
      decoded = JSON.parse(message.payload)
    } catch {
      return
    }
    if (typeof decoded.busId !== 'string' || decoded.busId === this.#id) return
    for (const handler of handlers) handler(decoded.payload as never)
  }
}

/**
 * `node ace codegen` builds the app in warm-up mode, where Adonis never runs
 * the providers' shutdown: a LISTEN client opened there would keep the process
 * (and a database connection) alive forever. Warm-up serves no stream, so its
 * bus stays in memory.
 */
export function postgresTransport(config: pg.ClientConfig): TransportFactory {
  return () => (app.getMode() === 'warmup' ? new MemoryTransport() : new PostgresTransport(config))
}
