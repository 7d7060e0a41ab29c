import type net from 'node:net'
import type { PluginLogger } from '#sdk/logger'
import type {
  VendorCommand,
  VendorCommandOutcome,
  VendorIdentityDecision,
  VendorPileReport,
  VendorStartFailure,
  VendorEventSink,
} from '#sdk/contracts/vendor'
import { MessageRate, type ThrottledLog } from '#sdk/device_edge'
import type { PeerAddress } from '#sdk/proxy_protocol'
import type { AuthorisedCard, DnyAdapterConfig, DnyIdentity } from './config.js'
import {
  decodeDeviceMessage,
  encodeServerMessage,
  type DnyDeviceMessage,
  type DnyServerMessage,
} from './protocol/codec.js'
import { DNY_CHARGE_CONTROL_RESULTS, DNY_COMMANDS, DNY_MODIFY_RESULTS } from './protocol/codes.js'
import { DNY_PREFIX_BYTES, type DnyFrame } from './protocol/frame.js'
import { DnyFrameDecoder, type DnyStreamItem } from './protocol/frame_decoder.js'
import { MessageIdCounter, splitPhysicalId } from './protocol/physical_id.js'
import {
  DEVICE_UNREGISTERED,
  NO_ORDER,
  accountStatusOf,
  cardNoOf,
  chargeLimitFields,
  deviceKeyOf,
  orderNoFromWire,
  orderNoToWire,
  portCountOfDeviceType,
  portReport,
  rawStopCode,
  stopReasonOf,
  u16,
} from './mapping.js'

type ChargeControl = Extract<DnyServerMessage, { type: 'charge_control' }>
type Message<Type extends DnyDeviceMessage['type']> = Extract<DnyDeviceMessage, { type: Type }>

/** A pile seen on this connection. */
interface PileSession {
  physicalId: number
  deviceKey: string
  portCount?: number
  /** The core's word; null until asked. A refused pile may stay connected but never charges. */
  accepted: boolean | null
  /** The running order (wire hex) per port, for a stop that names none. */
  running: Map<number, string>
  /** Whole watts below which a charge counts as full, sent with each start (set_parameters). */
  fullPowerWatts?: number
}

/** What a command waits for: the pile's reply with the same command byte and message id. */
interface PendingCommand {
  pile: PileSession
  message: DnyServerMessage
  timer?: NodeJS.Timeout
  finish(outcome: VendorCommandOutcome): void
}

/** What a connection needs from the adapter that accepted it. */
export interface DnyConnectionHost {
  readonly config: DnyAdapterConfig
  readonly logger: PluginLogger
  readonly edgeLog: ThrottledLog
  readonly sink: VendorEventSink
  /** Asks to own a pile's key under the takeover rule; false: refused. */
  claim(deviceKey: string, connection: DnyConnection, identity: DnyIdentity): boolean
  /** The connection closed: the piles it still owned are offline. */
  closed(deviceKeys: string[], connection: DnyConnection): Promise<void>
}

/**
 * One TCP connection from a DNY module. Frames are handled one at a time
 * in arrival order, so the core hears start, samples and end in the
 * pile's order; commands go out through a queue that keeps the gap.
 *
 * Identity: the module's ICCID text, if it comes before any frame, is the
 * connection's proof. The first frame naming a physical id asks the core
 * (`sink.authenticate`) before anything of that pile reaches the sink; the
 * frames behind it wait in the queue meanwhile. A host module speaks for
 * several physical ids: each is asked for on its own, with the same ICCID.
 * A refused id, or a takeover the rule forbids, closes the connection.
 */
export class DnyConnection {
  readonly #logger: PluginLogger
  readonly #decoder: DnyFrameDecoder
  readonly #rate: MessageRate
  readonly #ids = new MessageIdCounter()
  readonly #piles = new Map<number, PileSession>()
  /** Physical ids another connection took over: their frames here are ignored. */
  readonly #released = new Set<number>()
  readonly #pending = new Map<string, PendingCommand>()
  readonly #ip: string | null
  #iccid: string | null = null
  /** The ICCID counts only before the first frame: a proof cannot change later. */
  #proofOpen = true
  #work: Promise<void> = Promise.resolve()
  /** Items waiting in #work. */
  #queued = 0
  #writes: Promise<void> = Promise.resolve()
  #lastWriteAt = 0
  #closed = false
  /** Until the first identity: the identification deadline; then: silence for 3 heartbeats. */
  #deadline: NodeJS.Timeout
  #identified = false

  /** `peer`: where the pile connects from (the PROXY header's address behind a balancer). */
  constructor(
    readonly adapter: DnyConnectionHost,
    readonly socket: net.Socket,
    peer: PeerAddress
  ) {
    this.#ip = peer.address
    const remote = `${peer.address}:${peer.port}`
    this.#logger = adapter.logger.child({ remote })
    const { maxMessageBytes } = adapter.config
    this.#decoder = new DnyFrameDecoder({
      maxLength: maxMessageBytes - DNY_PREFIX_BYTES,
      maxBufferBytes: maxMessageBytes,
    })
    this.#rate = new MessageRate(adapter.config)
    socket.setNoDelay(true)
    // `link` and the ICCID do not identify a pile: only a decided identity ends this wait.
    this.#deadline = setTimeout(() => {
      this.#refuse('identify_timeout', {}, 'dny connection named no pile in time: closed')
    }, adapter.config.identifyTimeoutMs)
    socket.on('data', (chunk) => this.#receive(chunk))
    socket.on('error', (error) => this.#logger.debug({ err: error }, 'dny socket error'))
    socket.on('close', () => this.#onClose())
  }

  /** False from the moment it is destroyed, before its 'close' event. */
  get open() {
    return !this.#closed && !this.socket.destroyed
  }

  close() {
    this.socket.destroy()
  }

  /** Another connection took this pile over. */
  release(deviceKey: string) {
    for (const [physicalId, pile] of this.#piles) {
      if (pile.deviceKey !== deviceKey) continue
      this.#piles.delete(physicalId)
      this.#released.add(physicalId)
    }
    if (this.#piles.size === 0) this.close()
  }

  /** Closes this connection for a reason worth a (throttled) warning. */
  #refuse(kind: string, details: Record<string, unknown>, message: string) {
    this.adapter.edgeLog.warn(kind, { ip: this.#ip, ...details }, message)
    this.close()
  }

  async send(physicalId: number, command: VendorCommand): Promise<VendorCommandOutcome> {
    const pile = this.#piles.get(physicalId)
    if (!pile || !this.open) return { status: 'not_connected' }
    switch (command.type) {
      case 'start': {
        const orderNo = orderNoToWire(command.orderNo)
        if (!orderNo) return { status: 'failed', detail: 'order_no_not_encodable' }
        return this.#command(pile, this.#startMessage(pile, command.portNo, orderNo, command))
      }
      case 'stop': {
        const named = command.orderNo ? orderNoToWire(command.orderNo) : null
        const orderNo = named ?? pile.running.get(command.portNo) ?? NO_ORDER
        return this.#command(pile, {
          type: 'charge_control',
          rateMode: 0,
          balanceFen: 0,
          port: command.portNo,
          action: 'stop',
          durationSeconds: 0,
          orderNo,
          maxDurationSeconds: 0,
          overloadPowerDeciwatts: 0,
        })
      }
      case 'reboot':
        return this.#command(pile, { type: 'reboot' })
      case 'set_parameters':
        return this.#setParameters(pile, command.parameters)
    }
  }

  /*
  | Parameters by the core's names (maxPowerWatts, maxMinutes: 0x85;
  | fullPowerWatts: kept here and sent with every later start, since DNY
  | carries it per charge in 0x82).
  */
  async #setParameters(
    pile: PileSession,
    parameters: Record<string, string | number>
  ): Promise<VendorCommandOutcome> {
    const known = ['maxPowerWatts', 'maxMinutes', 'fullPowerWatts']
    const unknown = Object.keys(parameters).find((name) => !known.includes(name))
    if (unknown) return { status: 'failed', detail: `unknown_parameter:${unknown}` }
    const number = (name: string) =>
      parameters[name] === undefined ? undefined : Number(parameters[name])
    const fullPowerWatts = number('fullPowerWatts')
    const maxPowerWatts = number('maxPowerWatts')
    const maxMinutes = number('maxMinutes')
    const fits = (value: number | undefined, max: number) =>
      value === undefined || (Number.isInteger(value) && value >= 0 && value <= max)
    if (!fits(fullPowerWatts, 0xff) || !fits(maxPowerWatts, 6553) || !fits(maxMinutes, 1092)) {
      return { status: 'failed', detail: 'out_of_range' }
    }
    if (maxPowerWatts !== undefined || maxMinutes !== undefined) {
      const outcome = await this.#command(pile, {
        type: 'set_limits',
        maxDurationSeconds:
          maxMinutes !== undefined ? maxMinutes * 60 : this.adapter.config.maxDurationSeconds,
        overloadPowerDeciwatts: (maxPowerWatts ?? this.adapter.config.overloadPowerWatts) * 10,
      })
      if (outcome.status !== 'acked') return outcome
    }
    if (fullPowerWatts !== undefined) pile.fullPowerWatts = fullPowerWatts
    return { status: 'acked' }
  }

  #startMessage(
    pile: PileSession,
    port: number,
    orderNo: string,
    decision: Pick<AuthorisedCard, 'limit' | 'maxDurationSeconds'> & { balanceFen?: number }
  ): ChargeControl {
    const message: ChargeControl = {
      type: 'charge_control',
      ...chargeLimitFields(decision.limit),
      balanceFen: clampU32(decision.balanceFen ?? 0),
      port,
      action: 'start',
      orderNo,
      maxDurationSeconds: u16(decision.maxDurationSeconds),
      overloadPowerDeciwatts: 0,
    }
    if (pile.fullPowerWatts === undefined) return message
    // The trailing fields before fullPowerWatts must be sent too: their neutral values.
    return {
      ...message,
      qrLightOff: false,
      longCharge: false,
      extraFloatSeconds: 0,
      shortCircuitCheck: 2,
      ignoreUnplug: false,
      forceStopWhenFull: true,
      fullPowerWatts: pile.fullPowerWatts,
    }
  }

  /** Sends a command and waits for its reply: one resend after the ack timeout. */
  #command(pile: PileSession, message: DnyServerMessage) {
    const messageId = this.#ids.next()
    const bytes = encodeServerMessage({ physicalId: pile.physicalId, messageId }, message)
    const command = bytes.readUInt8(11)
    const key = pendingKey(pile.physicalId, command, messageId)
    const { ackTimeoutMs } = this.adapter.config
    return new Promise<VendorCommandOutcome>((resolve) => {
      let attempts = 0
      const pending: PendingCommand = {
        pile,
        message,
        finish: (outcome) => {
          clearTimeout(pending.timer)
          this.#pending.delete(key)
          resolve(outcome)
        },
      }
      this.#pending.set(key, pending)
      const attempt = () => {
        attempts++
        this.#write(bytes)
          .then((written) => {
            if (!this.#pending.has(key)) return
            if (!written) return pending.finish({ status: 'not_connected' })
            pending.timer = setTimeout(() => {
              if (attempts < 2) {
                this.#logger.info({ messageId, command }, 'dny command unanswered: resent')
                attempt()
              } else {
                pending.finish({ status: 'timeout' })
              }
            }, ackTimeoutMs)
          })
          .catch(() => pending.finish({ status: 'not_connected' }))
      }
      attempt()
    })
  }

  /** Writes in order, at least commandGapMs after the previous write. */
  #write(bytes: Buffer) {
    const written = this.#writes.then(async () => {
      const wait = this.#lastWriteAt + this.adapter.config.commandGapMs - Date.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      if (!this.#send(bytes)) return false
      this.#lastWriteAt = Date.now()
      return true
    })
    this.#writes = written.then(
      () => undefined,
      () => undefined
    )
    return written
  }

  /** A reply to the pile's own message goes out at once (the pile waits for it). */
  #reply(frame: DnyFrame, message: DnyServerMessage) {
    const bytes = encodeServerMessage(
      { physicalId: frame.physicalId, messageId: frame.messageId },
      message
    )
    if (this.#send(bytes)) this.#lastWriteAt = Date.now()
  }

  /** A peer that stops reading must not make us buffer without end. */
  #send(bytes: Buffer) {
    if (!this.open) return false
    if (this.socket.writableLength > MAX_UNSENT_BYTES) {
      this.#refuse('write_backlog', {}, 'dny peer does not read its replies: closed')
      return false
    }
    this.socket.write(bytes)
    return true
  }

  #receive(chunk: Buffer) {
    if (!this.open) return
    const { maxQueuedMessages } = this.adapter.config
    for (const item of this.#decoder.push(chunk)) {
      if (item.kind === 'problem') {
        this.#problem(item)
        if (!this.open) return
        continue
      }
      if (!this.#rate.take()) {
        return this.#refuse('rate', {}, 'dny connection over its message rate: closed')
      }
      if (this.#queued >= maxQueuedMessages) {
        return this.#refuse('queue', { queued: this.#queued }, 'dny connection queue full: closed')
      }
      this.#queued++
      this.#work = this.#work.then(async () => {
        try {
          await this.#handle(item)
        } catch (error) {
          // The core failing (database down) for every pile at once: throttled too.
          this.adapter.edgeLog.warn('handling_failed', { err: error }, 'dny frame handling failed')
        } finally {
          this.#queued--
        }
      })
    }
  }

  #problem(item: Extract<DnyStreamItem, { kind: 'problem' }>) {
    if (item.reason === 'resync_exhausted') {
      return this.#refuse('resync', {}, 'dny connection sends no frames, only garbage: closed')
    }
    this.adapter.edgeLog.warn(
      `bytes:${item.reason}`,
      { ip: this.#ip, reason: item.reason, dropped: item.dropped, sample: item.sample },
      'dny bytes refused'
    )
  }

  async #handle(item: Exclude<DnyStreamItem, { kind: 'problem' }>) {
    switch (item.kind) {
      case 'iccid':
        if (this.#proofOpen && this.#iccid === null) {
          this.#iccid = item.iccid
          return
        }
        this.adapter.edgeLog.warn(
          'late_iccid',
          { ip: this.#ip, iccid: item.iccid },
          'dny ICCID after the first one or after a frame: ignored'
        )
        return
      case 'link':
        return
      case 'frame':
        return this.#frame(item.frame)
    }
  }

  async #frame(frame: DnyFrame) {
    if (!this.open) return
    this.#proofOpen = false
    const pile = this.#piles.get(frame.physicalId) ?? (await this.#identify(frame.physicalId))
    if (!pile || !this.open) return
    this.#deadline.refresh()
    const decoded = await decodeDeviceMessage(frame, { portCount: pile.portCount })
    if (!decoded.ok) {
      this.adapter.edgeLog.warn(
        `decode:${decoded.reason}`,
        { deviceKey: pile.deviceKey, command: frame.command, detail: decoded.detail },
        'dny frame refused'
      )
      return
    }
    const message = decoded.message
    if (message.type === 'register') return this.#register(frame, pile, message)
    if (pile.accepted === null) await this.#online(pile, {})
    switch (message.type) {
      case 'heartbeat':
        return this.#heartbeat(frame, pile, message)
      case 'time_request':
        return this.#reply(frame, { type: 'time', unixSeconds: Math.floor(Date.now() / 1000) })
      case 'card_swipe':
        return this.#cardSwipe(frame, pile, message)
      case 'port_power':
        return this.#portPower(pile, message)
      case 'settlement':
        return this.#settlement(frame, pile, message)
      default:
        return this.#commandReply(frame, pile, message)
    }
  }

  /**
   * A physical id this connection names for the first time: the core
   * decides whether this connection may speak for it, then the takeover
   * rule whether it may take the pile from another connection. Null: not
   * this connection's (ignored, or the connection closed).
   */
  async #identify(physicalId: number): Promise<PileSession | null> {
    if (this.#released.has(physicalId)) {
      this.adapter.edgeLog.warn(
        'released_pile',
        { deviceKey: deviceKeyOf(physicalId) },
        'dny frame for a pile another connection took over: ignored'
      )
      return null
    }
    const deviceKey = deviceKeyOf(physicalId)
    if (this.#piles.size >= MAX_PILES_PER_CONNECTION) {
      this.#refuse('too_many_piles', { deviceKey }, 'dny connection names too many piles: closed')
      return null
    }
    const iccid = this.#iccid
    let decision: VendorIdentityDecision
    try {
      decision = await this.adapter.sink.authenticate({
        deviceKey,
        proof: iccid ? { kind: 'iccid', iccid } : { kind: 'none' },
        ip: this.#ip,
      })
    } catch (error) {
      this.#refuse(
        'identity_check_failed',
        { err: error, deviceKey },
        'dny identity check failed: closed'
      )
      return null
    }
    if (!this.open) return null
    if (decision.outcome === 'refused') {
      this.#refuse(
        `refused:${decision.reason}`,
        { deviceKey, iccid, reason: decision.reason },
        'dny pile identity refused: connection closed'
      )
      return null
    }
    if (!this.adapter.claim(deviceKey, this, decision.outcome)) {
      this.#refuse(
        'takeover_refused',
        { deviceKey, iccid },
        'dny unproven connection for a pile online with a proven one: closed'
      )
      return null
    }
    const pile: PileSession = {
      physicalId,
      deviceKey,
      portCount: portCountOfDeviceType(splitPhysicalId(physicalId).deviceType),
      accepted: null,
      running: new Map(),
    }
    this.#piles.set(physicalId, pile)
    if (!this.#identified) {
      this.#identified = true
      clearTimeout(this.#deadline)
      // Piles heartbeat every heartbeatSeconds; `link` texts do not count as life.
      this.#deadline = setTimeout(
        () => {
          this.#logger.info('dny connection sent no frame for 3 heartbeats: closed')
          this.close()
        },
        this.adapter.config.heartbeatSeconds * 3 * 1000
      )
    }
    return pile
  }

  #report(pile: PileSession, extra: Partial<VendorPileReport>): VendorPileReport {
    return {
      deviceKey: pile.deviceKey,
      portCount: pile.portCount ?? null,
      iccid: this.#iccid,
      ip: this.#ip,
      at: new Date(),
      ...extra,
    }
  }

  async #online(pile: PileSession, extra: Partial<VendorPileReport>) {
    const decision = await this.adapter.sink.pileOnline(this.#report(pile, extra))
    pile.accepted = decision.accepted
    if (!decision.accepted) {
      this.#logger.info(
        { deviceKey: pile.deviceKey },
        'dny pile not accepted: kept out of charging'
      )
    }
  }

  async #register(frame: DnyFrame, pile: PileSession, message: Message<'register'>) {
    pile.portCount = message.portCount
    const version = message.firmwareVersion
    await this.#online(pile, {
      firmware: `V${Math.floor(version / 100)}.${String(version % 100).padStart(2, '0')}`,
    })
    this.#reply(frame, { type: 'register_ack', result: 0 })
  }

  async #heartbeat(frame: DnyFrame, pile: PileSession, message: Message<'heartbeat'>) {
    pile.portCount = message.portCount
    const ports = message.portStatuses.map((status, index) => portReport(index + 1, status))
    const decision = await this.adapter.sink.heartbeat(this.#report(pile, { ports }))
    pile.accepted = decision.accepted
    this.#reply(frame, { type: 'heartbeat_ack', result: 0 })
  }

  async #cardSwipe(frame: DnyFrame, pile: PileSession, message: Message<'card_swipe'>) {
    const port = message.port
    if (port === null) {
      // A balance query: the contract has no way to read a balance without starting a charge.
      this.adapter.edgeLog.warn(
        'balance_query',
        { deviceKey: pile.deviceKey },
        'dny balance query not answered'
      )
      return
    }
    const refuse = (accountStatus: number) =>
      this.#reply(frame, {
        type: 'card_reply',
        cardUid: message.cardUid,
        accountStatus,
        rateMode: 0,
        balanceFen: 0,
        port,
      })
    if (!pile.accepted) return refuse(DEVICE_UNREGISTERED)
    const decision = await this.adapter.sink.cardSwiped({
      deviceKey: pile.deviceKey,
      portNo: port,
      cardNo: cardNoOf(message.cardUid, this.adapter.config.cardNumberFormat),
      at: new Date(),
    })
    if (!decision.authorised) return refuse(accountStatusOf(decision.reason))
    const orderNo = orderNoToWire(decision.orderNo)
    if (!orderNo) {
      this.#logger.error({ orderNo: decision.orderNo }, 'dny order number does not fit 16 bytes')
      return refuse(accountStatusOf('unknown_pile'))
    }
    const start = this.#startMessage(pile, port, orderNo, decision)
    this.#reply(frame, {
      type: 'card_reply',
      cardUid: message.cardUid,
      accountStatus: 0,
      rateMode: start.rateMode,
      balanceFen: clampU32(decision.balanceFen),
      port,
    })
    // Not awaited: its reply is a later frame of this same queue.
    void this.#command(pile, start).then((outcome) => {
      if (outcome.status === 'timeout') {
        this.#logger.warn({ deviceKey: pile.deviceKey, port, orderNo }, 'dny start unanswered')
      }
    })
  }

  async #portPower(pile: PileSession, message: Message<'port_power'>) {
    if (!pile.accepted) return
    pile.running.set(message.port, message.orderNo)
    await this.adapter.sink.meterSample({
      deviceKey: pile.deviceKey,
      portNo: message.port,
      ...orderNoFromWire(message.orderNo),
      powerDeciwatts: message.powerDeciwatts,
      energyWattHours: message.energyCentiKwh * 10,
      at: new Date(),
    })
  }

  /*
  | The pile keeps the record and resends it until acked, so the ack goes
  | out only once the core has it. Every resend asks the core again: the
  | core settles an order once (its row locked, the deduction keyed by
  | order), so its answer is the truth even after a gateway restart, and
  | frames of one connection are handled one at a time, so two copies are
  | never in flight together here.
  */
  async #settlement(frame: DnyFrame, pile: PileSession, message: Message<'settlement'>) {
    if (!pile.accepted) {
      // Left on the pile: it comes back once staff accept the pile.
      this.adapter.edgeLog.warn(
        'settlement_not_accepted',
        { deviceKey: pile.deviceKey },
        'dny settlement of a refused pile not acked'
      )
      return
    }
    if (pile.running.get(message.port) === message.orderNo) pile.running.delete(message.port)
    if (await this.#reportEnd(pile, message)) {
      this.#reply(frame, { type: 'settlement_ack', result: 0 })
    }
  }

  async #reportEnd(pile: PileSession, message: Message<'settlement'>) {
    // The pile's clock is set by 0x22; a record resent days later keeps its real end time.
    const endedAt =
      message.timestamp && message.timestamp > PLAUSIBLE_SINCE
        ? new Date(message.timestamp * 1000)
        : new Date()
    try {
      await this.adapter.sink.chargeEnded({
        deviceKey: pile.deviceKey,
        portNo: message.port,
        ...orderNoFromWire(message.orderNo),
        startedAt: new Date(endedAt.getTime() - message.durationSeconds * 1000),
        endedAt,
        durationSeconds: message.durationSeconds,
        energyWattHours: message.energyCentiKwh * 10,
        maxPowerDeciwatts: message.maxPowerDeciwatts,
        stopReason: stopReasonOf(message.stopReason),
        rawStopCode: rawStopCode(message.stopReason),
      })
      return true
    } catch (error) {
      this.adapter.edgeLog.warn(
        'charge_ended_failed',
        { err: error, deviceKey: pile.deviceKey },
        'dny chargeEnded failed: not acked, the pile resends'
      )
      return false
    }
  }

  async #commandReply(frame: DnyFrame, pile: PileSession, message: DnyDeviceMessage) {
    const pending = this.#pending.get(pendingKey(frame.physicalId, frame.command, frame.messageId))
    if (!pending) {
      this.adapter.edgeLog.warn(
        'unexpected_reply',
        { deviceKey: pile.deviceKey, command: frame.command, messageId: frame.messageId },
        'dny reply to no waiting command'
      )
      return
    }
    if (message.type !== 'charge_control_reply') {
      const result = 'result' in message ? message.result : 0
      if (result === 0) return pending.finish({ status: 'acked' })
      const detail =
        frame.command === DNY_COMMANDS.modifyCharge
          ? DNY_MODIFY_RESULTS[result as keyof typeof DNY_MODIFY_RESULTS]
          : 'refused'
      return pending.finish({ status: 'failed', detail, result: { code: result } })
    }
    const sent = pending.message
    if (sent.type !== 'charge_control') return pending.finish({ status: 'acked' })
    const port = message.port ?? sent.port
    const detail =
      DNY_CHARGE_CONTROL_RESULTS[message.result as keyof typeof DNY_CHARGE_CONTROL_RESULTS]
    const result = { code: message.result, port, waitingPorts: message.waitingPorts }
    if (sent.action === 'start' && port !== null) {
      const order = orderNoFromWire(message.orderNo)
      if (message.result === 0) {
        pile.running.set(port, message.orderNo)
        await this.adapter.sink.chargeStarted({
          deviceKey: pile.deviceKey,
          portNo: port,
          ...order,
          idTag: null,
          at: new Date(),
        })
      } else {
        await this.adapter.sink.chargeStartFailed({
          deviceKey: pile.deviceKey,
          portNo: port,
          orderNo: order.orderNo,
          reason: startFailureOf(message.result),
          detail: detail ?? String(message.result),
          at: new Date(),
        })
      }
    }
    if (message.result === 0) return pending.finish({ status: 'acked', result })
    pending.finish({ status: 'failed', detail, result })
  }

  #onClose() {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#deadline)
    for (const pending of this.#pending.values()) {
      pending.finish({ status: 'timeout', detail: 'connection_closed' })
    }
    const keys = [...this.#piles.values()].map((pile) => pile.deviceKey)
    // Offline only after the frames already received are handled.
    this.#work = this.#work.then(() => this.adapter.closed(keys, this))
  }
}

/** A 0x82 start answer other than ok, as the contract names it. */
function startFailureOf(code: number): VendorStartFailure {
  switch (code) {
    case 0x01:
      return 'no_charger'
    case 0x02:
    case 0x05:
      return 'port_busy'
    case 0x03:
    case 0x04:
    case 0x08:
    case 0x09:
      return 'port_fault'
    default:
      return 'other'
  }
}

/**
 * Physical ids one connection may speak for: a host module carries its
 * sub-piles (a handful); more is a connection probing for keys.
 */
const MAX_PILES_PER_CONNECTION = 64

/** Replies a peer has not read yet, in bytes: a few hundred frames. */
const MAX_UNSENT_BYTES = 64 * 1024

/** 2020-01-01: a pile clock before this was never set. */
const PLAUSIBLE_SINCE = 1_577_836_800

function pendingKey(physicalId: number, command: number, messageId: number) {
  return `${physicalId}:${command}:${messageId}`
}

function clampU32(value: number) {
  return Math.max(0, Math.min(0xffffffff, Math.round(value)))
}
