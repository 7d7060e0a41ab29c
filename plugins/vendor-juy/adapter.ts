import { randomBytes } from 'node:crypto'
import type { PluginLogger } from '#sdk/logger'
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
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
import { isImei } from './protocol/frame.js'
import type { JuyEnergyUnit } from './protocol/message_definition.js'
import {
  JUY_DEVICE_TOPIC_FILTER,
  JUY_WILL_TOPIC_FILTER,
  deviceCommandFilter,
  parseWillTopic,
  readDeviceMqttFrame,
  readServerMqttFrame,
  serverCommandFilter,
  type JuyTopicCommandFormat,
} from './protocol/mqtt.js'

export interface JuyAdapterConfig {
  mode: 'embedded' | 'external'
  /** Embedded: where the broker listens. */
  host: string
  port: number
  /** Embedded: piles come through a balancer that opens each connection with a PROXY header. */
  proxyProtocol: boolean
  /** External: the broker's URL (mqtt://, mqtts://, ws://, wss://) and sign-in. */
  url?: string
  username?: string
  password?: string
  /** External: the client id's prefix; each gateway adds a random suffix, so none takes over another. */
  clientId?: string
  /** External: the gateways share the device topics through `$share/<group>/...`. */
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
export const DEFAULT_SHARE_GROUP = 'pilehub'
/**
 * External broker (MQTT 5): which subscription a message came through.
 * HANDLE, the shared one: this gateway alone handles the message. WATCH, on
 * every gateway: command replies, end reports, stops sent and wills, so
 * each gateway keeps the per-pile state the others' traffic changes.
 */
const HANDLE = 1
const WATCH = 2
/** Device messages every gateway watches (besides wills). */
const WATCHED_DEVICE_COMMANDS = [
  JUY_COMMANDS.start,
  JUY_COMMANDS.stop,
  JUY_COMMANDS.endReport,
  JUY_COMMANDS.queryParameters,
  JUY_COMMANDS.setParameters,
]

interface Pile {
  imei: string
  portCount: number | null
  /** The core let it in (login or heartbeat decision handled here). */
  accepted: boolean
  online: boolean
  heartbeatSeconds: number
  lastSeenAt: number
  /** Per pile, messages are handled in arrival order… */
  queue: Promise<void>
  /** …and at most `maxQueuedMessages` wait there; more are dropped. */
  queued: number
  /**
   * Our order number behind each wire order number this gateway sent, kept
   * past the end so that resent end reports carry it too (the oldest go
   * first). A cache: without it, events carry the wire number as
   * `transactionRef` and the core finds the order (by that, or the port's).
   */
  orders: Map<number, string>
  /** The wire order charging on each port, as last confirmed (by any gateway's pile reply). */
  charging: Map<number, number>
  /** Wire orders asked to stop (by any gateway): their "manual" end is a remote stop. */
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
  /** Command replies awaited, by IMEI, command and what the reply names of it (port, order). */
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
    private logger: PluginLogger
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
        proxyProtocol: this.config.proxyProtocol,
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
    const external = this.config.mode === 'external'
    const client = await mqtt.connectAsync(url, {
      ...credentials,
      clientId: `${this.config.clientId ?? 'pilehub-gateway'}-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 2_000,
      // Subscription identifiers tell a shared delivery from a watched one (aedes speaks 3.1.1).
      ...(external ? { protocolVersion: 5 as const } : {}),
    })
    this.#client = client
    client.on('message', (topic, payload, packet) => this.#receive(topic, payload, packet))
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
    // External: silence is the core's offline sweep's to judge, once for all gateways (README).
    if (!external) this.#sweep = setInterval(() => this.#sweepSilent(), SWEEP_MS)
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
    const now = Date.now()
    // External: the piles heard from here lately; the others' messages went to other gateways.
    const recent = (pile: Pile) =>
      this.config.mode === 'embedded' ||
      now - pile.lastSeenAt <= MISSED_HEARTBEATS * pile.heartbeatSeconds * 1000
    return [...this.#piles.values()]
      .filter((pile) => pile.online && pile.accepted && recent(pile))
      .map((pile) => pile.imei)
  }

  async send(deviceKey: string, command: VendorCommand): Promise<VendorCommandOutcome> {
    const pile = this.#reachable(deviceKey)
    if (!pile) return { status: 'not_connected' }
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

  /** The pile is another gateway's now: its connection to this gateway's embedded broker closes. */
  async forget(deviceKey: string) {
    // External: the pile's state here is shared through the broker's traffic, not this gateway's to drop.
    if (this.reachesEveryPile()) return
    this.#piles.delete(deviceKey)
    this.#unclaimed.delete(deviceKey)
    this.#broker?.disconnect(deviceKey)
  }

  /** External broker: any gateway of the shared subscription publishes to any pile's topic. */
  reachesEveryPile() {
    return this.config.mode === 'external'
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

  /**
   * Embedded: a pile connected here that the core accepted. External: any
   * IMEI, while the broker link is up. Its messages may all have reached
   * other gateways; the core sends commands only to piles it has online.
   */
  #reachable(deviceKey: string) {
    if (!this.#client?.connected) return null
    if (this.config.mode === 'external') return isImei(deviceKey) ? this.#record(deviceKey) : null
    const pile = this.#piles.get(deviceKey)
    return pile?.online && pile.accepted ? pile : null
  }

  get #codecOptions(): JuyCodecOptions {
    return { tierLayout: this.config.tierLayout, energyUnit: this.config.energyUnit }
  }

  async #subscribe() {
    const client = this.#client
    if (!client) return
    if (this.config.mode === 'embedded') {
      await client.subscribeAsync(JUY_DEVICE_TOPIC_FILTER, { qos: 1 })
      return
    }
    const group = this.config.sharedGroup ?? DEFAULT_SHARE_GROUP
    const options = { commandFormat: this.config.commandFormat }
    const watched = [
      ...WATCHED_DEVICE_COMMANDS.map((command) => deviceCommandFilter(command, options)),
      serverCommandFilter(JUY_COMMANDS.stop, options),
      JUY_WILL_TOPIC_FILTER,
    ]
    const granted = [
      ...(await client.subscribeAsync(`$share/${group}/${JUY_DEVICE_TOPIC_FILTER}`, {
        qos: 1,
        properties: { subscriptionIdentifier: HANDLE },
      })),
      ...(await client.subscribeAsync(watched, {
        qos: 1,
        properties: { subscriptionIdentifier: WATCH },
      })),
    ]
    // MQTT 5 reason codes from 0x80 are refusals: the broker's ACL misses a rule (README).
    const refused = granted.filter((grant) => grant.qos >= 0x80).map((grant) => grant.topic)
    if (refused.length) throw new Error(`vendor-juy: the broker refused ${refused.join(', ')}`)
  }

  #identified(imei: string, decision: VendorIdentityDecision) {
    if (decision.outcome === 'unproven' && !decision.registered) this.#unclaimed.add(imei)
    else this.#unclaimed.delete(imei)
  }

  #receive(topic: string, payload: Buffer, packet: IPublishPacket) {
    // Embedded: one subscription, on the only gateway.
    const ids = [packet.properties?.subscriptionIdentifier ?? HANDLE].flat()
    const handle = this.config.mode === 'embedded' || ids.includes(HANDLE)
    const watch = this.config.mode === 'external' && ids.includes(WATCH)
    const willOf = parseWillTopic(topic)
    if (willOf) return this.#will(willOf, handle)
    if (topic.startsWith('JUY/S2D/')) {
      if (watch) this.#watchCommand(topic, payload)
      return
    }
    const read = readDeviceMqttFrame(topic, payload, { commandFormat: this.config.commandFormat })
    if (!read.ok) {
      // The handling gateway logs it; a watched copy is the same message.
      if (!handle) return
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
    this.#enqueue(pile, async () => {
      const decoded = await decodeDeviceMessage(read.frame, {
        ...this.#codecOptions,
        portCount: pile.portCount ?? undefined,
      })
      if (!handle) {
        if (decoded.ok) this.#observe(pile, decoded.message)
        return
      }
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
  }

  /** Per pile, work runs in arrival order, and a bounded amount of it waits. */
  #enqueue(pile: Pile, work: () => Promise<void>) {
    // A pile (or the broker) sending faster than the core answers: drop, rather than queue without end.
    if (pile.queued >= this.config.limits.maxQueuedMessages) {
      this.#log.warn(
        'juy:queue_full',
        { imei: pile.imei },
        'vendor-juy: message dropped, queue full'
      )
      return
    }
    pile.queued++
    pile.queue = pile.queue
      .then(work)
      .catch((error) => {
        // The sink or the broker failed: the pile resends what matters (end reports).
        this.#log.warn(
          'juy:unhandled',
          { err: error, imei: pile.imei },
          'vendor-juy: message not handled'
        )
      })
      .finally(() => pile.queued--)
  }

  /** A stop any gateway sent (watched): the charge's "manual" end will be a remote stop. */
  #watchCommand(topic: string, payload: Buffer) {
    const read = readServerMqttFrame(topic, payload, this.#mqttOptions)
    if (!read.ok) return
    const pile = this.#record(read.frame.imei)
    this.#enqueue(pile, async () => {
      const decoded = await decodeServerMessage(read.frame, this.#codecOptions)
      if (decoded.ok && decoded.message.type === 'stop') {
        remember(pile.remoteStops, decoded.message.orderNo, true)
      }
    })
  }

  /**
   * External: the pile's connection dropped (its will). The gateway the
   * shared subscription gave it to reports it, whatever it knew of the
   * pile; the others only stop listing it. Embedded: the broker saw the
   * connection close itself.
   */
  #will(imei: string, handle: boolean) {
    if (this.config.mode === 'embedded') return
    const pile = this.#record(imei)
    pile.online = false
    if (!handle) return
    this.logger.info({ imei, why: 'will' }, 'vendor-juy: pile offline')
    this.#enqueue(pile, () =>
      this.#sink!.pileOffline(imei).catch((error) =>
        this.logger.error({ err: error, imei }, 'vendor-juy: offline not recorded')
      )
    )
  }

  /** A pile that has just spoken. */
  #pile(imei: string) {
    const pile = this.#record(imei)
    pile.online = true
    return pile
  }

  #record(imei: string) {
    let pile = this.#piles.get(imei)
    if (!pile) {
      pile = {
        imei,
        portCount: null,
        accepted: false,
        online: false,
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
    return pile
  }

  /**
   * What any gateway must know of a pile's message, whichever handles it:
   * replies settle the command waiting for them (here, if it was sent from
   * here), and which order charges on which port.
   */
  #observe(pile: Pile, message: JuyDeviceMessage) {
    switch (message.type) {
      case 'start_reply':
        if (message.result === 0) pile.charging.set(message.port, message.orderNo)
        return this.#settle(
          waiterKey(pile.imei, JUY_COMMANDS.start, message.port, message.orderNo),
          message
        )
      case 'stop_reply':
        return this.#settle(waiterKey(pile.imei, JUY_COMMANDS.stop, message.port), message)
      case 'end_report':
        if (pile.charging.get(message.port) === message.orderNo) pile.charging.delete(message.port)
        return
      case 'parameters':
        return this.#settle(waiterKey(pile.imei, JUY_COMMANDS.queryParameters), message)
      case 'set_parameters_reply':
        return this.#settle(waiterKey(pile.imei, JUY_COMMANDS.setParameters), message)
    }
  }

  async #handle(pile: Pile, message: JuyDeviceMessage) {
    const sink = this.#sink!
    const deviceKey = pile.imei
    const at = new Date()
    this.#observe(pile, message)
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
        await sink.chargeStarted({
          deviceKey,
          portNo: message.port,
          orderNo: pile.orders.get(message.orderNo) ?? null,
          transactionRef: String(message.orderNo),
          at,
        })
        return
      }
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
      case 'stop_reply':
      case 'parameters':
      case 'set_parameters_reply':
        // Replies to our commands: #observe settled them.
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
      waiterKey(pile.imei, JUY_COMMANDS.start, command.portNo, wire)
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
      waiterKey(pile.imei, JUY_COMMANDS.stop, command.portNo)
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
    const query = await this.#request(
      pile,
      { type: 'query_parameters' },
      waiterKey(pile.imei, JUY_COMMANDS.queryParameters)
    )
    if (!query.ok) return query.outcome
    if (query.message.type !== 'parameters') return { status: 'failed', detail: 'bad_reply' }
    const merged = mergeParameters(parameterTable(query.message), parameters)
    if (!merged.ok) return { status: 'failed', detail: merged.detail }
    const next: JuyServerMessage = { type: 'set_parameters', ...merged.table }
    const invalid = await this.#invalid(pile.imei, next)
    if (invalid) return { status: 'failed', detail: invalid }
    const reply = await this.#request(pile, next, waiterKey(pile.imei, JUY_COMMANDS.setParameters))
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
    key: string
  ): Promise<
    { ok: true; message: JuyDeviceMessage } | { ok: false; outcome: VendorCommandOutcome }
  > {
    const command = encodeServerMqttMessage(pile.imei, message, this.#mqttOptions)
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

  #settle(key: string, message: JuyDeviceMessage) {
    this.#waiters.get(key)?.resolve(message)
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

/**
 * A start's reply names its order too: two gateways starting the same port
 * at once each get their own answer.
 */
function waiterKey(imei: string, command: number, port: number | null = null, orderNo?: number) {
  return `${imei}:${command}:${port ?? '-'}:${orderNo ?? '-'}`
}
