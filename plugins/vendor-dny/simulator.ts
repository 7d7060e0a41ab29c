import net from 'node:net'
import type { PluginLogger } from '#sdk/logger'
import type { VendorSimulationOptions, VendorSimulator } from '#sdk/contracts/vendor'
import {
  decodeServerMessage,
  encodeDeviceMessage,
  type DnyDeviceMessage,
  type DnyServerMessage,
} from './protocol/codec.js'
import { SimulationBase, dialEndpoint } from '#sdk/simulator'
import { DNY_ACCOUNT_STATUSES } from './protocol/codes.js'
import { DnyFrameDecoder } from './protocol/frame_decoder.js'
import { MessageIdCounter, joinPhysicalId } from './protocol/physical_id.js'
import { NO_ORDER, cardUidOf, deviceTypeForPorts, portCountOfDeviceType } from './mapping.js'

/*
| Simulated DNY piles: each a TCP client speaking the wire protocol through
| the same codec as the adapter. Simulated time runs `speed` times faster
| than real time for what is not billed: the protocol's own periods
| (heartbeat 3 min, power every 5 min, settlement resent every 30 min), the
| riders' swipes and the battery filling up, so end conditions come sooner.
| What is billed stays honest whatever the speed: a charge's duration is
| the real time since the pile confirmed its start, its energy the curve's
| power over that real time, and every timestamp is the real clock's, so
| the core never sees a charge longer, bigger or later than it could be.
*/

const HEARTBEAT_SECONDS = 180
const POWER_REPORT_SECONDS = 300
const SETTLEMENT_RESEND_SECONDS = 1800
/** Mean simulated time between a free port's swipes. */
const MEAN_SWIPE_GAP_SECONDS = 600
/** What the pile falls back on when the server sends 0 (0x85's default). */
const PILE_MAX_DURATION_SECONDS = 36_000
/** Below this a charge counts as full (whole watts, the pile's default check). */
const FULL_POWER_WATTS = 30
const UNPLUG_CHANCE = 0.15
const TICK_MS = 25
const RECONNECT_MS = 300

/** A battery on charge: ramp, plateau, then a taper to full. */
interface Charge {
  orderNo: string
  cardUid: string
  /** Simulated seconds: drives the curve and the end conditions. */
  startedAt: number
  /** Real milliseconds when the pile confirmed the start: what durations are billed from. */
  confirmedAt: number
  limitSeconds: number
  limitCentiKwh: number | null
  maxSeconds: number
  /** Energy the battery takes to full, Wh. */
  needWh: number
  plateauWatts: number
  unplugAt: number | null
  /** Energy the battery took in simulated time: when it is full. */
  energyWh: number
  /** Simulated time the energy is integrated to. */
  lastAt: number
  /** Energy at the same power over real time: what is reported and billed. */
  billedWh: number
  /** Real milliseconds the billed energy is integrated to. */
  billedAt: number
  powerWatts: number
  maxWatts: number
  minWatts: number
  nextPowerAt: number
}

type PortState =
  | { kind: 'idle'; nextSwipeAt: number }
  /** Until: real milliseconds, since the server's start comes at real-time pace. */
  | { kind: 'swiped'; cardUid: string; until: number }
  | { kind: 'charging'; charge: Charge }

interface StoredSettlement {
  bytes: Buffer
  nextResendAt: number
}

class Simulation extends SimulationBase {
  readonly startedReal = Date.now()
  readonly startedSim = Math.floor(Date.now() / 1000)
  running = true

  constructor(options: VendorSimulationOptions) {
    super(options, { speed: 60, seed: 1 })
  }

  /** Simulated unix seconds. */
  now() {
    return this.startedSim + ((Date.now() - this.startedReal) / 1000) * this.speed
  }
}

class SimulatedPile {
  readonly #ids = new MessageIdCounter()
  readonly #ports: PortState[]
  /** Settlement records not acked yet, by message id: the pile's EEPROM. */
  readonly #eeprom = new Map<number, StoredSettlement>()
  readonly #logger: PluginLogger
  #socket: net.Socket | null = null
  #decoder = new DnyFrameDecoder()
  #nextHeartbeatAt = 0
  #heartbeatSeconds = HEARTBEAT_SECONDS
  #registered = false

  constructor(
    readonly sim: Simulation,
    readonly physicalId: number,
    readonly portCount: number,
    readonly deviceKey: string
  ) {
    this.#logger = sim.options.logger.child({ pile: deviceKey })
    this.#ports = Array.from({ length: portCount }, () => this.#idle())
  }

  /** The ICCID the pile is bound to (options.credentials), else one derived from its id. */
  get iccid() {
    return (
      this.sim.options.credentials?.[this.deviceKey] ??
      `8986${this.physicalId.toString().padStart(16, '0')}`
    )
  }

  connect(host: string, port: number) {
    const socket = net.connect({ host, port })
    this.#socket = socket
    this.#decoder = new DnyFrameDecoder()
    this.#registered = false
    socket.setNoDelay(true)
    socket.on('connect', () => {
      socket.write(this.iccid)
      this.#send({
        type: 'register',
        firmwareVersion: 100 + (this.physicalId % 50),
        portCount: this.portCount,
        virtualId: 0,
        deviceModel: this.physicalId >>> 24,
        workMode: 0,
      })
      this.#send({ type: 'time_request' })
    })
    socket.on('data', (chunk) => {
      for (const item of this.#decoder.push(chunk)) {
        if (item.kind !== 'frame') {
          this.sim.summary.errors++
          continue
        }
        this.sim.summary.frames.received++
        decodeServerMessage(item.frame, { portCount: this.portCount })
          .then((result) => {
            if (!result.ok) {
              this.sim.summary.errors++
              this.#logger.warn({ reason: result.reason }, `server frame refused: ${result.detail}`)
              return
            }
            this.#onMessage(item.frame.messageId, result.message)
          })
          .catch(() => this.sim.summary.errors++)
      }
    })
    socket.on('error', (error) => {
      this.sim.summary.errors++
      this.#logger.debug({ err: error }, 'simulated pile socket error')
    })
    socket.on('close', () => {
      if (this.#socket !== socket) return
      this.#socket = null
      if (this.sim.running)
        setTimeout(() => this.sim.running && this.connect(host, port), RECONNECT_MS)
    })
  }

  close() {
    const socket = this.#socket
    this.#socket = null
    socket?.destroy()
  }

  /** Charges go on while the pile is cut off from the server; it only talks when registered. */
  tick(now: number) {
    for (const [index, state] of this.#ports.entries()) {
      if (state.kind === 'charging') this.#advance(index + 1, state.charge, now)
    }
    if (!this.#registered) return
    if (now >= this.#nextHeartbeatAt) {
      this.#nextHeartbeatAt = now + this.#heartbeatSeconds
      this.#send({
        type: 'heartbeat',
        voltageDecivolts: 2200 + Math.round(this.sim.between(-50, 50)),
        portCount: this.portCount,
        portStatuses: this.#ports.map((state) =>
          state.kind === 'charging' ? (state.charge.powerWatts < FULL_POWER_WATTS * 2 ? 3 : 1) : 0
        ),
      })
    }
    for (const [index, state] of this.#ports.entries()) {
      const port = index + 1
      if (state.kind === 'idle' && this.sim.running && now >= state.nextSwipeAt) this.#swipe(port)
      else if (state.kind === 'swiped' && Date.now() > state.until)
        this.#ports[index] = this.#idle()
    }
    for (const [messageId, stored] of this.#eeprom) {
      if (now < stored.nextResendAt) continue
      stored.nextResendAt = now + SETTLEMENT_RESEND_SECONDS
      this.#write(stored.bytes)
      this.#logger.debug({ messageId }, 'settlement resent')
    }
  }

  #idle(): PortState {
    const cards = this.sim.options.cardNos ?? []
    const gap = this.sim.exponential(MEAN_SWIPE_GAP_SECONDS)
    return { kind: 'idle', nextSwipeAt: cards.length ? this.sim.now() + gap : Infinity }
  }

  #swipe(port: number) {
    const cards = this.sim.options.cardNos!
    const cardNo = cards[Math.floor(this.sim.random() * cards.length)]
    this.sim.summary.swipes++
    const cardUid = cardUidOf(cardNo)
    this.#ports[port - 1] = { kind: 'swiped', cardUid, until: Date.now() + 30_000 }
    this.#send({
      type: 'card_swipe',
      cardUid,
      cardType: 1,
      port,
      cardBalanceFen: 0,
      timestamp: Math.floor(Date.now() / 1000),
    })
  }

  /** Integrates the power curve up to now; reports power every 5 min; ends the charge when due. */
  #advance(port: number, charge: Charge, now: number) {
    const elapsed = now - charge.startedAt
    const rampFactor = Math.min(1, 0.5 + elapsed / 240)
    const remaining = Math.max(0, charge.needWh - charge.energyWh)
    const taperFrom = charge.needWh * 0.15
    const taper = remaining >= taperFrom ? 1 : remaining / taperFrom
    const watts = charge.plateauWatts * rampFactor * taper
    charge.energyWh += (watts * Math.max(0, now - charge.lastAt)) / 3600
    charge.lastAt = now
    const realNow = Date.now()
    charge.billedWh += (watts * Math.max(0, realNow - charge.billedAt)) / 3_600_000
    charge.billedAt = realNow
    charge.powerWatts = watts
    charge.maxWatts = Math.max(charge.maxWatts, watts)
    charge.minWatts = Math.min(charge.minWatts, watts)

    const stop =
      charge.unplugAt !== null && now >= charge.unplugAt
        ? 0x05
        : watts < FULL_POWER_WATTS && elapsed > 300
          ? 0x01
          : charge.limitCentiKwh !== null && charge.energyWh / 10 >= charge.limitCentiKwh
            ? 0x04
            : charge.limitSeconds > 0 && elapsed >= charge.limitSeconds
              ? 0x03
              : elapsed >= charge.maxSeconds
                ? 0x02
                : null
    if (stop !== null) return this.#end(port, charge, stop, now)
    if (now >= charge.nextPowerAt) {
      charge.nextPowerAt = now + POWER_REPORT_SECONDS
      const realSeconds = (realNow - charge.confirmedAt) / 1000
      const average = realSeconds > 0 ? (charge.billedWh * 3600) / realSeconds : watts
      this.#send({
        type: 'port_power',
        port,
        portStatus: 1,
        durationSeconds: floor16(realSeconds),
        energyCentiKwh: floor16(charge.billedWh / 10),
        startMode: 1,
        powerDeciwatts: clamp16(watts * 10),
        maxPowerDeciwatts: clamp16(charge.maxWatts * 10),
        minPowerDeciwatts: clamp16(charge.minWatts * 10),
        averagePowerDeciwatts: clamp16(average * 10),
        orderNo: charge.orderNo,
      })
    }
  }

  #start(
    port: number,
    message: Extract<DnyServerMessage, { type: 'charge_control' }>,
    now: number
  ) {
    const energy = message.rateMode === 2
    const swiped = this.#ports[port - 1]
    const plateauWatts = this.sim.between(150, 400)
    const charge: Charge = {
      orderNo: message.orderNo,
      // A remote start carries no card: zeros, as the document says.
      cardUid: swiped.kind === 'swiped' ? swiped.cardUid : '00000000',
      startedAt: now,
      // Set again once the reply is on its way (see #chargeControl).
      confirmedAt: Date.now(),
      limitSeconds: energy ? 0 : (message.durationSeconds ?? 0),
      limitCentiKwh: energy && message.energyCentiKwh ? message.energyCentiKwh : null,
      maxSeconds: message.maxDurationSeconds || PILE_MAX_DURATION_SECONDS,
      // Most riders top up a part-charged battery; few start from empty.
      needWh: 40 + this.sim.random() ** 2 * 660,
      plateauWatts,
      unplugAt: this.sim.random() < UNPLUG_CHANCE ? now + this.sim.between(300, 7200) : null,
      energyWh: 0,
      lastAt: now,
      billedWh: 0,
      billedAt: Date.now(),
      powerWatts: plateauWatts / 2,
      maxWatts: 0,
      minWatts: plateauWatts,
      nextPowerAt: now + POWER_REPORT_SECONDS,
    }
    this.#ports[port - 1] = { kind: 'charging', charge }
    this.sim.summary.chargesStarted++
    return charge
  }

  /** The settlement record: real duration and energy, rounded down; the real clock's time. */
  #end(port: number, charge: Charge, stopReason: number, now: number) {
    this.#ports[port - 1] = this.#idle()
    this.sim.summary.chargesEnded++
    const realNow = Date.now()
    charge.billedWh += (charge.powerWatts * Math.max(0, realNow - charge.billedAt)) / 3_600_000
    charge.billedAt = realNow
    const messageId = this.#ids.next()
    const bytes = encodeDeviceMessage(
      { physicalId: this.physicalId, messageId },
      {
        type: 'settlement',
        durationSeconds: floor16((realNow - charge.confirmedAt) / 1000),
        maxPowerDeciwatts: clamp16(charge.maxWatts * 10),
        energyCentiKwh: floor16(charge.billedWh / 10),
        port,
        startMode: 1,
        cardUid: charge.cardUid,
        stopReason,
        orderNo: charge.orderNo,
        secondMaxPowerDeciwatts: clamp16(charge.maxWatts * 10),
        timestamp: Math.floor(realNow / 1000),
      }
    )
    this.#eeprom.set(messageId, { bytes, nextResendAt: now + SETTLEMENT_RESEND_SECONDS })
    this.#write(bytes)
  }

  #onMessage(messageId: number, message: DnyServerMessage) {
    const now = this.sim.now()
    switch (message.type) {
      case 'register_ack':
        this.#registered = true
        this.#nextHeartbeatAt = now
        // Settlements not acked before the connection dropped go again at once.
        for (const stored of this.#eeprom.values()) stored.nextResendAt = now
        return
      case 'settlement_ack':
        this.#eeprom.delete(messageId)
        return
      case 'card_reply': {
        if (message.port === null || message.accountStatus === 0) return
        const name =
          DNY_ACCOUNT_STATUSES[message.accountStatus as keyof typeof DNY_ACCOUNT_STATUSES]
        this.sim.refused(name ?? `status_${message.accountStatus}`)
        if (this.#ports[message.port - 1]?.kind === 'swiped')
          this.#ports[message.port - 1] = this.#idle()
        return
      }
      case 'charge_control':
        return this.#chargeControl(messageId, message, now)
      case 'set_parameters':
        this.#heartbeatSeconds = message.heartbeatSeconds || HEARTBEAT_SECONDS
        return this.#send({ type: 'set_parameters_reply', result: 0 }, messageId)
      case 'set_limits':
        return this.#send({ type: 'set_limits_reply', result: 0 }, messageId)
      case 'modify_charge': {
        const state = this.#ports[message.port - 1]
        if (state?.kind === 'charging' && message.mode !== 2) {
          state.charge.limitSeconds = message.durationSeconds ?? 0
        }
        const result = state?.kind === 'charging' ? 0 : 1
        return this.#send({ type: 'modify_charge_reply', result }, messageId)
      }
      case 'reboot':
        this.#send({ type: 'reboot_reply', result: 0 }, messageId)
        return this.#reboot(now)
      default:
        return
    }
  }

  #chargeControl(
    messageId: number,
    message: Extract<DnyServerMessage, { type: 'charge_control' }>,
    now: number
  ) {
    const port = message.port ?? 1
    const state = this.#ports[port - 1]
    let result = 0
    let started: Charge | null = null
    if (message.action === 'start') {
      if (state.kind === 'charging') result = 0x02
      else started = this.#start(port, message, now)
    } else if (state.kind === 'charging' && state.charge.orderNo === message.orderNo) {
      this.#end(port, state.charge, 0x07, now)
    } else {
      result = 0x02
    }
    this.#send(
      { type: 'charge_control_reply', result, orderNo: message.orderNo ?? NO_ORDER, port },
      messageId
    )
    // Billed from the confirmation the core sees, never from before it.
    if (started) started.confirmedAt = started.billedAt = Date.now()
  }

  /** Power is cut: running charges end (no power), then the module dials in again. */
  #reboot(now: number) {
    for (const [index, state] of this.#ports.entries()) {
      if (state.kind === 'charging') this.#end(index + 1, state.charge, 0x0e, now)
    }
    setTimeout(() => this.#socket?.end(), 50)
  }

  #send(message: DnyDeviceMessage, replyTo?: number) {
    const messageId = replyTo ?? this.#ids.next()
    this.#write(encodeDeviceMessage({ physicalId: this.physicalId, messageId }, message))
  }

  #write(bytes: Buffer) {
    if (!this.#socket || this.#socket.destroyed) return
    this.sim.summary.frames.sent++
    this.#socket.write(bytes)
  }
}

function clamp16(value: number) {
  return Math.max(0, Math.min(0xffff, Math.round(value)))
}

/** Billed figures round down: a record never claims more than happened. */
function floor16(value: number) {
  return Math.max(0, Math.min(0xffff, Math.floor(value)))
}

/** Device keys for generated piles: the port count's type byte and numbers from 100000. */
function deviceKeys(options: VendorSimulationOptions) {
  const type = deviceTypeForPorts(options.ports)
  return Array.from({ length: options.piles }, (_, index) => {
    const given = options.deviceKeys?.[index]
    const physicalId = given
      ? Number.parseInt(given, 16)
      : joinPhysicalId({ deviceType: type, deviceNumber: 100_000 + index })
    return physicalId
  })
}

const simulator: VendorSimulator = {
  async run(options) {
    const sim = new Simulation(options)
    const { host, port } = dialEndpoint(options.endpoint)
    const piles = deviceKeys(options).map((physicalId) => {
      const ports = portCountOfDeviceType(physicalId >>> 24) ?? options.ports
      const key = physicalId.toString(16).toUpperCase().padStart(8, '0')
      return new SimulatedPile(sim, physicalId, ports, key)
    })
    options.logger.info(
      { endpoint: options.endpoint, piles: piles.length, speed: sim.speed },
      'dny simulator started'
    )
    for (const pile of piles) pile.connect(host, port)
    const timer = setInterval(() => {
      const now = sim.now()
      for (const pile of piles) pile.tick(now)
    }, TICK_MS)
    await sim.untilEnd()
    sim.running = false
    clearInterval(timer)
    for (const pile of piles) pile.close()
    options.logger.info(sim.summary, 'dny simulator finished')
    return sim.summary
  },
}

export default simulator
