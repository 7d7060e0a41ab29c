import { randomBytes } from 'node:crypto'
import type { Logger } from '@adonisjs/core/logger'
import mqtt, { type MqttClient } from 'mqtt'
import type {
  VendorAdapter,
  VendorCommand,
  VendorCommandOutcome,
  VendorEventSink,
  VendorIdentityDecision,
  VendorPileDecision,
} from '#sdk/contracts/vendor'
import { ThrottledLog, type EdgeLimits } from '#sdk/device_edge'
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js'
import {
  cardNoOf,
  cardRefusalResult,
  chargeLimit,
  clampU32,
  mergeParameters,
  parameterTable,
  portReport,
  stopReason,
  wireOrderNo,
  type CardNumberFormat,
} from './mapping.js'
import {
  decodeDeviceMessage,
  decodeServerMessage,
  encodeServerMqttMessage,
  type JuyCodecOptions,
  type JuyDeviceMessage,
  type JuyServerMessage,
} from './protocol/codec.js'
import { JUY_COMMANDS, JUY_START_RESULTS, JUY_STOP_RESULTS } from './protocol/codes.js'
import type { JuyEnergyUnit } from './protocol/message_definition.js'
import {
  JUY_DEVICE_TOPIC_FILTER,
  readDeviceMqttFrame,
  readServerMqttFrame,
  type JuyTopicCommandFormat,
} from './protocol/mqtt.js'

export interface JuyAdapterConfig {
  mode: 'embedded' | 'external'
  /** Embedded: where the broker listens. */
  host: string
  port: number
  /** External: the broker's URL (mqtt://, mqtts://, ws://, wss://) and sign-in. */
  url?: string
  username?: string
  password?: string
  clientId?: string
  /** External: several gateways share the device topics through `$share/<group>/...`. */
  sharedGroup?: string
  commandFormat: JuyTopicCommandFormat
  cardNumberFormat: CardNumberFormat
  tierLayout: 'interleaved' | 'grouped'
  energyUnit: JuyEnergyUnit
  /** Told to piles at login, unless the core asks for another interval. */
  heartbeatSeconds: number
  commandTimeoutSeconds: number
  /** Connections, packet size, message rate, sign-in time and queued messages per pile. */
  limits: EdgeLimits
}

/** 0x81 reply: 10-250 s, as the document allows. */
const MIN_HEARTBEAT_SECONDS = 10
const MAX_HEARTBEAT_SECONDS = 250
/** A pile silent for this many heartbeat intervals is offline. */
const MISSED_HEARTBEATS = 3
const SWEEP_MS = 5_000
/** Reserved time field of the login reply: zeros leave the pile's clock alone. */
const NO_TIME = '00000000000000'
const LOGIN_OK = 0x00
const LOGIN_REFUSED = 0x01
const CARD_OPERATION_START = 2
const START_MODE = { qr: 1, card: 2 } as const
const WATT_HOURS_PER_UNIT: Record<JuyEnergyUnit, number> = { centi_kwh: 10, milli_kwh: 1 }
/** What an unknown device may say while it waits to be claimed: who it is, that it lives. */
const CLAIMABLE = new Set<JuyDeviceMessage['type']>(['login', 'heartbeat'])

interface Pile {
  imei: string
  portCount: number | null
  /** The core let it in (login or heartbeat decision). */
  accepted: boolean
  online: boolean
  heartbeatSeconds: number
  lastSeenAt: number
  /** Per pile, messages are handled in arrival order… */
  queue: Promise<void>
  /** …and at most `maxQueuedMessages` wait there; more are dropped. */
  queued: number
  /**
   * Our order number behind each wire order number we sent, kept past the
   * end so that resent end reports carry it too (the oldest go first).
   */
  orders: Map<number, string>
  /** The wire order charging on each port, as last confirmed. */
  charging: Map<number, number>
  /** Wire orders we asked to stop: their "manual" end is a remote stop. */
  remoteStops: Map<number, true>
}

interface Waiter {
  /** null: no answer (timeout, or the command never left). */
  resolve(message: JuyDeviceMessage | null): void
}

/**
 * The JUY adapter: one MQTT client for every pile, on the embedded broker
 * or an external one. Each message is one frame on `JUY/D2S/<IMEI>/<CMD>/DEV`;
 * answers and commands go to `JUY/S2D/<IMEI>/<CMD>/SERVER`.
 */
export class JuyAdapter implements VendorAdapter {
  #broker: EmbeddedBroker | null = null
  #client: MqttClient | null = null
  #sink: VendorEventSink | null = null
  #sweep: NodeJS.Timeout | null = null
  #piles = new Map<string, Pile>()
  /** Command replies awaited, by IMEI, command and (when the reply names one) port. */
  #waiters = new Map<string, Waiter>()
  /**
   * Embedded broker: IMEIs signed in as unknown devices (unproven, not
   * registered). They may log in and heartbeat, to wait to be claimed, and
   * nothing else reaches the core.
   */
  #unclaimed = new Set<string>()
  #log: ThrottledLog

  constructor(
    private config: JuyAdapterConfig,
    private logger: Logger
  ) {
    this.#log = new ThrottledLog(logger)
  }

  async start(sink: VendorEventSink) {
    if (this.#client) throw new Error('vendor-juy: already started')
    this.#sink = sink
    let url: string
    let credentials: { username?: string; password?: string }
    if (this.config.mode === 'embedded') {
      this.#broker = await startEmbeddedBroker({
        host: this.config.host,
        port: this.config.port,
        limits: this.config.limits,
        log: this.#log,
        authenticate: (claim) => sink.authenticate(claim),
        onDeviceIdentified: (imei, decision) => this.#identified(imei, decision),
        onDeviceGone: (imeis) =>
          imeis.forEach((imei) => {
            this.#unclaimed.delete(imei)
            this.#goOffline(imei, 'disconnected')
          }),
      })
      url = this.#broker.localUrl
      credentials = this.#broker.credentials
    } else {
      if (!this.config.url) throw new Error('vendor-juy: external mode needs a broker url')
      url = this.config.url
      credentials = { username: this.config.username, password: this.config.password }
    }
    const client = await mqtt.connectAsync(url, {
      ...credentials,
      clientId: this.config.clientId ?? `pilehub-gateway-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 2_000,
    })
    this.#client = client
    client.on('message', (topic, payload) => this.#receive(topic, payload))
    client.on('error', (error) =>
      this.#log.warn('juy:broker', { err: error.message }, 'vendor-juy: broker error')
    )
    // A clean session forgets subscriptions: take them again after every reconnect.
    client.on('connect', () => {
      this.#subscribe().catch((error) =>
        this.logger.error({ err: error }, 'vendor-juy: subscribe failed')
      )
    })
    await this.#subscribe()
    this.#sweep = setInterval(() => this.#sweepSilent(), SWEEP_MS)
    this.logger.info({ endpoint: this.endpoint() }, 'vendor-juy: started')
  }

  async stop() {
    if (this.#sweep) clearInterval(this.#sweep)
    this.#sweep = null
    await this.#client?.endAsync()
    this.#client = null
    await this.#broker?.close()
    this.#broker = null
    this.#piles.clear()
    this.#unclaimed.clear()
  }

  endpoint() {
    if (this.#broker) return this.#broker.url
    if (this.config.mode === 'embedded') return `mqtt://${this.config.host}:${this.config.port}`
    // Never show credentials from the URL in logs.
    const url = new URL(this.config.url ?? '')
    url.username = ''
    url.password = ''
    return url.toString().replace(/\/$/, '')
  }

  connected() {
    return [...this.#piles.values()]
      .filter((pile) => pile.online && pile.accepted)
      .map((pile) => pile.imei)
  }

  async send(deviceKey: string, command: VendorCommand): Promise<VendorCommandOutcome> {
    const pile = this.#piles.get(deviceKey)
    if (!pile || !pile.online || !pile.accepted || !this.#client) {
      return { status: 'not_connected' }
    }
    const outcome = await this.#send(pile, command)
    if (command.commandId !== null && command.commandId !== undefined) {
      await this.#sink!.commandResult({
        commandId: command.commandId,
        // The pile went away before it answered: unanswered, as a timeout.
        status: outcome.status === 'not_connected' ? 'timeout' : outcome.status,
        result: { ...outcome.result, ...(outcome.detail ? { detail: outcome.detail } : {}) },
      })
    }
    return outcome
  }

  async #send(pile: Pile, command: VendorCommand): Promise<VendorCommandOutcome> {
    switch (command.type) {
      case 'start':
        return this.#sendStart(pile, command)
      case 'stop':
        return this.#sendStop(pile, command)
      case 'set_parameters':
        return this.#sendParameters(pile, command.parameters)
      case 'reboot':
        // No reboot command in the JUY document (V1.2).
        return { status: 'failed', detail: 'unsupported' }
    }
  }

  get #codecOptions(): JuyCodecOptions {
    return { tierLayout: this.config.tierLayout, energyUnit: this.config.energyUnit }
  }

  async #subscribe() {
    const filter = this.config.sharedGroup
      ? `$share/${this.config.sharedGroup}/${JUY_DEVICE_TOPIC_FILTER}`
      : JUY_DEVICE_TOPIC_FILTER
    await this.#client?.subscribeAsync(filter, { qos: 1 })
  }

  #identified(imei: string, decision: VendorIdentityDecision) {
    if (decision.outcome === 'unproven' && !decision.registered) this.#unclaimed.add(imei)
    else this.#unclaimed.delete(imei)
  }

  #receive(topic: string, payload: Buffer) {
    const read = readDeviceMqttFrame(topic, payload, { commandFormat: this.config.commandFormat })
    if (!read.ok) {
      this.#log.warn(
        `juy:message:${read.reason}`,
        { topic: topic.slice(0, 64), reason: read.reason, detail: read.detail },
        'vendor-juy: message refused'
      )
      return
    }
    const { imei } = read.frame
    const pile = this.#pile(imei)
    pile.lastSeenAt = Date.now()
    // A pile (or the broker) sending faster than the core answers: drop, rather than queue without end.
    if (pile.queued >= this.config.limits.maxQueuedMessages) {
      this.#log.warn('juy:queue_full', { imei }, 'vendor-juy: message dropped, queue full')
      return
    }
    pile.queued++
    pile.queue = pile.queue
      .then(async () => {
        const decoded = await decodeDeviceMessage(read.frame, {
          ...this.#codecOptions,
          portCount: pile.portCount ?? undefined,
        })
        if (!decoded.ok) {
          this.#log.warn(
            `juy:frame:${decoded.reason}`,
            { imei, command: decoded.command, reason: decoded.reason, detail: decoded.detail },
            'vendor-juy: frame refused'
          )
          return
        }
        if (this.#unclaimed.has(imei) && !CLAIMABLE.has(decoded.message.type)) {
          this.#log.warn(
            'juy:unclaimed',
            { imei, type: decoded.message.type },
            'vendor-juy: message of an unclaimed pile dropped'
          )
          return
        }
        await this.#handle(pile, decoded.message)
      })
      .catch((error) => {
        // The sink or the broker failed: the pile resends what matters (end reports).
        this.#log.warn('juy:unhandled', { err: error, imei }, 'vendor-juy: message not handled')
      })
      .finally(() => pile.queued--)
  }

  #pile(imei: string) {
    let pile = this.#piles.get(imei)
    if (!pile) {
      pile = {
        imei,
        portCount: null,
        accepted: false,
        online: true,
        heartbeatSeconds: this.config.heartbeatSeconds,
        lastSeenAt: Date.now(),
        queue: Promise.resolve(),
        queued: 0,
        orders: new Map(),
        charging: new Map(),
        remoteStops: new Map(),
      }
      this.#piles.set(imei, pile)
    }
    pile.online = true
    return pile
  }

  async #handle(pile: Pile, message: JuyDeviceMessage) {
    const sink = this.#sink!
    const deviceKey = pile.imei
    const at = new Date()
    switch (message.type) {
      case 'login': {
        pile.portCount = message.portCount
        const decision = await sink.pileOnline({
          deviceKey,
          portCount: message.portCount,
          firmware: message.softwareVersion || null,
          iccid: message.ccid,
          protocolVersion:
            message.protocolVersion === null ? null : String(message.protocolVersion),
          at,
        })
        this.#decide(pile, decision)
        await this.#publish(pile.imei, {
          type: 'login_reply',
          timeBcd: NO_TIME,
          heartbeatSeconds: pile.heartbeatSeconds,
          result: decision.accepted ? LOGIN_OK : LOGIN_REFUSED,
        })
        return
      }
      case 'heartbeat': {
        pile.portCount ??= message.portCount
        const decision = await sink.heartbeat({
          deviceKey,
          portCount: message.portCount,
          ports: message.portStatuses.map((status, index) => portReport(index + 1, status)),
          at,
        })
        this.#decide(pile, decision)
        await this.#publish(pile.imei, { type: 'heartbeat_reply' })
        return
      }
      case 'card_auth':
        return this.#cardSwiped(pile, message)
      case 'start_reply': {
        this.#settle(pile.imei, JUY_COMMANDS.start, message.port, message)
        if (message.result !== 0) {
          // A swipe's or a remote start the pile refused: the core closes the order at once.
          await sink.chargeStartFailed({
            deviceKey,
            portNo: message.port,
            orderNo: pile.orders.get(message.orderNo) ?? null,
            reason:
              message.result === 1 ? 'port_busy' : message.result === 2 ? 'port_fault' : 'other',
            detail: JUY_START_RESULTS[message.result as 1 | 2] ?? String(message.result),
            at,
          })
          return
        }
        pile.charging.set(message.port, message.orderNo)
        await sink.chargeStarted({
          deviceKey,
          portNo: message.port,
          orderNo: pile.orders.get(message.orderNo) ?? null,
          transactionRef: String(message.orderNo),
          at,
        })
        return
      }
      case 'stop_reply':
        this.#settle(pile.imei, JUY_COMMANDS.stop, message.port, message)
        return
      case 'port_data':
        for (const port of message.ports) {
          const wire = pile.charging.get(port.port)
          await sink.meterSample({
            deviceKey,
            portNo: port.port,
            orderNo: wire === undefined ? null : (pile.orders.get(wire) ?? null),
            transactionRef: wire === undefined ? null : String(wire),
            powerDeciwatts: port.powerWatts * 10,
            energyWattHours: port.energyWattHours,
            at,
          })
        }
        return
      case 'end_report':
        return this.#chargeEnded(pile, message, at)
      case 'local_start':
        // Coin, offline-card and free-key charges: the core has no order to bind them to yet.
        await this.#publish(pile.imei, {
          type: 'local_start_ack',
          port: message.port,
          orderNo: message.orderNo,
        })
        this.logger.info(
          { imei: pile.imei, port: message.port, orderNo: message.orderNo },
          'vendor-juy: local start acked'
        )
        return
      case 'parameters':
        this.#settle(pile.imei, JUY_COMMANDS.queryParameters, null, message)
        return
      case 'set_parameters_reply':
        this.#settle(pile.imei, JUY_COMMANDS.setParameters, null, message)
        return
    }
  }

  #decide(pile: Pile, decision: VendorPileDecision) {
    pile.accepted = decision.accepted
    // Claimed by staff while connected: the core accepting it now outranks the sign-in verdict.
    if (decision.accepted) this.#unclaimed.delete(pile.imei)
    const wanted = decision.heartbeatSeconds ?? this.config.heartbeatSeconds
    pile.heartbeatSeconds = Math.min(
      MAX_HEARTBEAT_SECONDS,
      Math.max(MIN_HEARTBEAT_SECONDS, Math.round(wanted))
    )
  }

  async #cardSwiped(pile: Pile, message: Extract<JuyDeviceMessage, { type: 'card_auth' }>) {
    const refuse = (result: number) =>
      this.#publish(pile.imei, {
        type: 'card_auth_reply',
        port: message.port,
        cardNumber: message.cardNumber,
        balanceFen: 0,
        result,
      })
    if (message.operation !== CARD_OPERATION_START) {
      // Balance queries and free starts have no counterpart in the core yet.
      this.logger.warn(
        { imei: pile.imei, operation: message.operation },
        'vendor-juy: card operation not supported'
      )
      return refuse(cardRefusalResult('unknown_card'))
    }
    const decision = await this.#sink!.cardSwiped({
      deviceKey: pile.imei,
      portNo: message.port,
      cardNo: cardNoOf(message.cardNumber, this.config.cardNumberFormat),
      at: new Date(),
    })
    if (!decision.authorised) return refuse(cardRefusalResult(decision.reason))
    const wire = wireOrderNo(decision.orderNo)
    remember(pile.orders, wire, decision.orderNo)
    await this.#publish(pile.imei, {
      type: 'start',
      port: message.port,
      orderNo: wire,
      startMode: START_MODE.card,
      cardNumber: message.cardNumber,
      ...chargeLimit(
        decision.limit,
        decision.maxDurationSeconds,
        WATT_HOURS_PER_UNIT[this.config.energyUnit]
      ),
      availableFen: clampU32(decision.balanceFen),
    })
  }

  async #chargeEnded(
    pile: Pile,
    message: Extract<JuyDeviceMessage, { type: 'end_report' }>,
    at: Date
  ) {
    const remote = pile.remoteStops.has(message.orderNo)
    const orderNo = pile.orders.get(message.orderNo) ?? null
    await this.#sink!.chargeEnded({
      deviceKey: pile.imei,
      portNo: message.port,
      orderNo,
      transactionRef: String(message.orderNo),
      endedAt: at,
      startedAt: new Date(at.getTime() - message.durationSeconds * 1000),
      durationSeconds: message.durationSeconds,
      energyWattHours: message.energyWattHours,
      maxPowerDeciwatts: null,
      ...stopReason(message.stopReason, remote),
    })
    // Acked once the sink has it; every resend is acked again (the sink dedupes).
    await this.#publish(pile.imei, {
      type: 'end_report_ack',
      port: message.port,
      orderNo: message.orderNo,
    })
    if (pile.charging.get(message.port) === message.orderNo) pile.charging.delete(message.port)
  }

  async #sendStart(
    pile: Pile,
    command: Extract<VendorCommand, { type: 'start' }>
  ): Promise<VendorCommandOutcome> {
    const wire = wireOrderNo(command.orderNo)
    remember(pile.orders, wire, command.orderNo)
    const reply = await this.#request(
      pile,
      {
        type: 'start',
        port: command.portNo,
        orderNo: wire,
        startMode: START_MODE.qr,
        cardNumber: 0,
        ...chargeLimit(
          command.limit,
          command.maxDurationSeconds,
          WATT_HOURS_PER_UNIT[this.config.energyUnit]
        ),
        availableFen: clampU32(command.balanceFen ?? 0),
      },
      command.portNo
    )
    if (!reply.ok) return reply.outcome
    if (reply.message.type !== 'start_reply') return { status: 'failed', detail: 'bad_reply' }
    const result = { transactionRef: String(wire), orderNo: command.orderNo }
    if (reply.message.result === 0) return { status: 'acked', result }
    return {
      status: 'failed',
      detail: JUY_START_RESULTS[reply.message.result as 1 | 2] ?? String(reply.message.result),
      result,
    }
  }

  async #sendStop(
    pile: Pile,
    command: Extract<VendorCommand, { type: 'stop' }>
  ): Promise<VendorCommandOutcome> {
    const wire = command.orderNo
      ? wireOrderNo(command.orderNo)
      : (pile.charging.get(command.portNo) ?? 0)
    remember(pile.remoteStops, wire, true)
    const reply = await this.#request(
      pile,
      { type: 'stop', port: command.portNo, orderNo: wire },
      command.portNo
    )
    if (!reply.ok) return reply.outcome
    if (reply.message.type !== 'stop_reply') return { status: 'failed', detail: 'bad_reply' }
    const detail = JUY_STOP_RESULTS[reply.message.result as 0 | 1 | 2]
    // An idle port is what a stop wants: acked, and the detail says it was idle already.
    if (reply.message.result === 2) {
      pile.remoteStops.delete(wire)
      return { status: 'failed', detail }
    }
    return { status: 'acked', detail }
  }

  async #sendParameters(
    pile: Pile,
    parameters: Record<string, string | number>
  ): Promise<VendorCommandOutcome> {
    const query = await this.#request(pile, { type: 'query_parameters' }, null)
    if (!query.ok) return query.outcome
    if (query.message.type !== 'parameters') return { status: 'failed', detail: 'bad_reply' }
    const merged = mergeParameters(parameterTable(query.message), parameters)
    if (!merged.ok) return { status: 'failed', detail: merged.detail }
    const next: JuyServerMessage = { type: 'set_parameters', ...merged.table }
    const invalid = await this.#invalid(pile.imei, next)
    if (invalid) return { status: 'failed', detail: invalid }
    const reply = await this.#request(pile, next, null)
    if (!reply.ok) return reply.outcome
    return { status: 'acked', result: { ...merged.table } }
  }

  /** The codec validates what it decodes: a command is checked by reading back its own bytes. */
  async #invalid(imei: string, message: JuyServerMessage) {
    try {
      const { topic, payload } = encodeServerMqttMessage(imei, message, this.#mqttOptions)
      const frame = readServerMqttFrame(topic, payload, this.#mqttOptions)
      if (!frame.ok) return frame.reason
      const decoded = await decodeServerMessage(frame.frame, this.#codecOptions)
      return decoded.ok ? null : decoded.detail
    } catch (error) {
      return (error as Error).message
    }
  }

  get #mqttOptions() {
    return { ...this.#codecOptions, commandFormat: this.config.commandFormat }
  }

  async #request(
    pile: Pile,
    message: JuyServerMessage,
    port: number | null
  ): Promise<
    { ok: true; message: JuyDeviceMessage } | { ok: false; outcome: VendorCommandOutcome }
  > {
    const command = encodeServerMqttMessage(pile.imei, message, this.#mqttOptions)
    const key = waiterKey(pile.imei, command.payload.readUInt8(4), port)
    if (this.#waiters.has(key)) return { ok: false, outcome: { status: 'failed', detail: 'busy' } }
    const reply = new Promise<JuyDeviceMessage | null>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(key)
        resolve(null)
      }, this.config.commandTimeoutSeconds * 1000)
      this.#waiters.set(key, {
        resolve: (answer) => {
          clearTimeout(timer)
          this.#waiters.delete(key)
          resolve(answer)
        },
      })
    })
    try {
      await this.#client!.publishAsync(command.topic, command.payload, { qos: 1 })
    } catch (error) {
      this.#waiters.get(key)?.resolve(null)
      return { ok: false, outcome: { status: 'failed', detail: (error as Error).message } }
    }
    const answer = await reply
    if (!answer) return { ok: false, outcome: { status: 'timeout' } }
    return { ok: true, message: answer }
  }

  #settle(imei: string, command: number, port: number | null, message: JuyDeviceMessage) {
    this.#waiters.get(waiterKey(imei, command, port))?.resolve(message)
  }

  async #publish(imei: string, message: JuyServerMessage) {
    const { topic, payload } = encodeServerMqttMessage(imei, message, this.#mqttOptions)
    await this.#client!.publishAsync(topic, payload, { qos: 1 })
  }

  #sweepSilent() {
    const now = Date.now()
    for (const pile of this.#piles.values()) {
      const silentFor = now - pile.lastSeenAt
      if (pile.online && silentFor > MISSED_HEARTBEATS * pile.heartbeatSeconds * 1000) {
        this.#goOffline(pile.imei, 'silent')
      }
    }
  }

  #goOffline(imei: string, why: 'silent' | 'disconnected') {
    const pile = this.#piles.get(imei)
    if (!pile || !pile.online) return
    pile.online = false
    this.logger.info({ imei, why }, 'vendor-juy: pile offline')
    pile.queue = pile.queue.then(() =>
      this.#sink!.pileOffline(imei).catch((error) =>
        this.logger.error({ err: error, imei }, 'vendor-juy: offline not recorded')
      )
    )
  }
}

/** Per pile, orders to remember: far more than its ports charge between two end reports. */
const REMEMBERED_ORDERS = 256

function remember<Value>(map: Map<number, Value>, key: number, value: Value) {
  map.delete(key)
  map.set(key, value)
  if (map.size > REMEMBERED_ORDERS) map.delete(map.keys().next().value!)
}

function waiterKey(imei: string, command: number, port: number | null) {
  return `${imei}:${command}:${port ?? '-'}`
}
