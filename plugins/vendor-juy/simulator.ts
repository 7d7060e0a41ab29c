import mqtt, { type MqttClient } from 'mqtt'
import type {
  VendorSimulationOptions,
  VendorSimulationSummary,
  VendorSimulator,
} from '#sdk/contracts/vendor'
import {
  decodeServerMessage,
  encodeDeviceMqttMessage,
  type JuyDeviceMessage,
  type JuyServerMessage,
} from './protocol/codec.js'
import { JUY_CARD_RESULTS, JUY_DEFAULT_TIER_POWERS_WATTS } from './protocol/codes.js'
import type { JuyEnergyUnit, JuyTierLayout } from './protocol/message_definition.js'
import { SimulationBase } from '#sdk/simulator'
import { readServerMqttFrame, willTopic, type JuyTopicCommandFormat } from './protocol/mqtt.js'
import type { ParameterTable } from './protocol/parameter_table.js'
import { cardNumberOf, parameterTable } from './mapping.js'

/*
| Simulated JUY piles: each one an MQTT client speaking the wire protocol
| through the codec, as a real 4G module does. They log in, heartbeat,
| swipe cards, start on the server's 0x83, report power on a charger's
| curve (ramp, constant current, tapering), end by full / time / money /
| energy / unplugging or on 0x84, and resend their end report until acked.
| Each signs in with username and client id = its IMEI and, when the run
| gives one, password = options.credentials[IMEI], with the will the README
| describes; a pile leaving the run is switched off (no DISCONNECT).
|
| Only the charger's curve runs `speed` times faster: a battery fills (and
| a rider unplugs) sooner, so charges end earlier. Everything billed stays
| honest: a charge's duration is the real time since the pile confirmed its
| start, its energy is the real power over that real time, and the amount
| follows from those. The core caps end reports beyond what it observed
| and flags them abnormal; a simulator compressing billed time would make
| every demo order abnormal. Heartbeats and resends keep real time too.
*/

export interface JuySimulatorSettings {
  commandFormat?: JuyTopicCommandFormat
  tierLayout?: JuyTierLayout
  energyUnit?: JuyEnergyUnit
  /** Real seconds before an unacked end report is resent (the document: 10). */
  resendSeconds?: number
  /** Resends after the first report (the document: 3). */
  resends?: number
  /** Mean real seconds between swipes at one pile; by default ten simulated minutes. */
  swipeEverySeconds?: number
}

const TICK_MS = 250
const HEARTBEAT_DEFAULT_SECONDS = 60
const LOGIN_RETRY_MS = 5_000
const SWIPE_WAIT_MS = 10_000
/** Below this the charger is taken as full (the parameter table's float power). */
const FULL_BELOW_WATTS = 30
const RAMP_SECONDS = 60
const CARD_START = 2
const STATUS = { idle: 0, inUse: 1 } as const
const REASON = { full: 0, time: 1, money: 2, manual: 3, energy: 4, unplugged: 6 } as const
const STOP_RESULT = { stopped: 0, idle: 1, mismatch: 2 } as const
const WATT_HOURS_PER_UNIT: Record<JuyEnergyUnit, number> = { centi_kwh: 10, milli_kwh: 1 }

const DEFAULT_TABLE: ParameterTable = {
  billingMode: 0,
  coinChargeMinutes: 240,
  cardChargeMinutes: 240,
  cardFeeFen: 0,
  tierPowersWatts: [...JUY_DEFAULT_TIER_POWERS_WATTS],
  tierPricesFen: [100, 100, 150, 200, 250, 300, 400, 500],
  floatPowerWatts: 15,
  floatMinutes: 120,
  freeMode: false,
  temperatureAlarmCelsius: 70,
  smokeAlarm: true,
  volume: 5,
  usedEnergyWattHours: 0,
  stopWhenFull: true,
  plugWaitSeconds: 120,
  unplugWaitSeconds: 120,
  icCardType: 0,
  removalPowerWatts: 10,
}

type ServerMessage<Type extends JuyServerMessage['type']> = Extract<
  JuyServerMessage,
  { type: Type }
>

interface Charge {
  orderNo: number
  cardNumber: number
  chargeType: number
  durationLimit?: number
  amountLimit?: number
  energyLimit?: number
  /** Real seconds since the start was confirmed (what is billed). */
  seconds: number
  /** Where the charger's curve is: real seconds times the run's speed. */
  curveSeconds: number
  energyWattHours: number
  amountFen: number
  powerWatts: number
  maxPowerWatts: number
  plateauWatts: number
  constantSeconds: number
  taperSeconds: number
  unplugAtSeconds: number | null
}

interface Port {
  no: number
  charge: Charge | null
  swipePending: NodeJS.Timeout | null
}

class SimulatedPile {
  client: MqttClient | null = null
  loggedIn = false
  ports: Port[]
  table: ParameterTable = { ...DEFAULT_TABLE }
  nextSwipeAt = 0
  #timers = new Set<NodeJS.Timeout>()
  #heartbeat: NodeJS.Timeout | null = null
  /** Unacked end reports by "port:order", with their resend timers. */
  #unacked = new Map<string, NodeJS.Timeout>()
  #reportCounter = 0
  #charges = 0

  constructor(
    readonly imei: string,
    portCount: number,
    private run: SimulationRun
  ) {
    this.ports = Array.from({ length: portCount }, (_, index) => ({
      no: index + 1,
      charge: null,
      swipePending: null,
    }))
  }

  get settled() {
    return this.#unacked.size === 0
  }

  async connect() {
    const password = this.run.options.credentials?.[this.imei]
    // The client id is the IMEI: the embedded broker (and mosquitto's
    // use_username_as_clientid) bind it to the username.
    const client = await mqtt.connectAsync(this.run.options.endpoint, {
      clientId: this.imei,
      username: this.imei,
      ...(password === undefined ? {} : { password }),
      clean: true,
      reconnectPeriod: 1_000,
      // As the README asks of a module's settings: an external broker tells the gateways it left.
      will: { topic: willTopic(this.imei), payload: Buffer.alloc(0), qos: 1, retain: false },
    })
    this.client = client
    // A refused reconnect (taken over, credentials changed): logged, the client retries.
    client.on('error', (error) =>
      this.run.options.logger.warn({ err: error, imei: this.imei }, 'juy simulator: connection')
    )
    client.on('message', (topic, payload) => {
      this.run.summary.frames.received++
      this.#receive(topic, payload).catch((error) => {
        this.run.summary.errors++
        this.run.options.logger.error({ err: error, imei: this.imei }, 'juy simulator: failed')
      })
    })
    await client.subscribeAsync(`JUY/S2D/${this.imei}/+/SERVER`, { qos: 1 })
    client.on('connect', () => {
      this.loggedIn = false
      this.#login()
    })
    this.#login()
  }

  async close() {
    for (const timer of [...this.#timers, ...this.#unacked.values()]) clearTimeout(timer)
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    for (const port of this.ports) if (port.swipePending) clearTimeout(port.swipePending)
    // Switched off, not signed off: no DISCONNECT, so the broker publishes the will.
    await this.client?.endAsync(true)
  }

  /** One step of real time for every charging port; the curve moves `speed` times as far. */
  tick(realSeconds: number, now: number) {
    for (const port of this.ports) {
      const charge = port.charge
      if (!charge) continue
      // A time limit ends the charge on the second, however coarse the tick.
      const timed = charge.chargeType === 1 || charge.chargeType === 3
      const left = timed ? (charge.durationLimit ?? Infinity) - charge.seconds : Infinity
      const step = Math.min(realSeconds, left)
      charge.seconds += step
      charge.curveSeconds += step * this.run.speed
      charge.powerWatts = this.#power(charge)
      charge.maxPowerWatts = Math.max(charge.maxPowerWatts, charge.powerWatts)
      charge.energyWattHours += (charge.powerWatts * step) / 3600
      charge.amountFen += (this.#priceFen(charge) * step) / 3600
      const reason = this.#endReason(charge)
      if (reason !== null) this.#end(port, reason)
    }
    if (this.loggedIn && now >= this.nextSwipeAt) this.#swipe(now)
  }

  portReport() {
    const charging = this.ports.filter((port) => port.charge)
    if (!this.loggedIn || charging.length === 0) return
    this.#send(this.#portData())
  }

  #login() {
    this.#send({
      type: 'login',
      imei: this.imei,
      portCount: this.ports.length,
      hardwareVersion: 'JUY_B2_Q800M_1_0',
      softwareVersion: 'JUY_B2_COMM_V1.7',
      ccid: `8986${this.imei.slice(-15)}0`,
      signal: 27,
      protocolVersion: null,
      reason: 0,
    })
  }

  #heartbeatNow() {
    this.#send({
      type: 'heartbeat',
      signal: 27,
      temperatureCelsius: 31,
      portCount: this.ports.length,
      portStatuses: this.ports.map((port) => (port.charge ? STATUS.inUse : STATUS.idle)),
    })
  }

  #swipe(now: number) {
    this.nextSwipeAt = now + this.run.swipeInterval()
    const idle = this.ports.filter((port) => !port.charge && !port.swipePending)
    if (idle.length === 0) return
    const port = idle[Math.floor(this.run.random() * idle.length)]
    const card = this.run.cards[Math.floor(this.run.random() * this.run.cards.length)]
    this.run.summary.swipes++
    port.swipePending = setTimeout(() => (port.swipePending = null), SWIPE_WAIT_MS)
    this.#send({ type: 'card_auth', port: port.no, cardNumber: card, operation: CARD_START })
  }

  async #receive(topic: string, payload: Buffer) {
    const read = readServerMqttFrame(topic, payload, { commandFormat: this.run.commandFormat })
    if (!read.ok) return this.#problem(read.reason, read.detail)
    const decoded = await decodeServerMessage(read.frame, {
      ...this.run.codec,
      portCount: this.ports.length,
    })
    if (!decoded.ok) return this.#problem(decoded.reason, decoded.detail)
    const message = decoded.message
    switch (message.type) {
      case 'login_reply':
        return this.#loggedIn(message)
      case 'card_auth_reply': {
        const port = this.ports[message.port - 1]
        this.#clearSwipe(port)
        const result = JUY_CARD_RESULTS[message.result as keyof typeof JUY_CARD_RESULTS]
        this.run.refused(result ?? `result_${message.result}`)
        return
      }
      case 'start':
        return this.#start(message)
      case 'stop':
        return this.#stop(message)
      case 'end_report_ack': {
        const key = `${message.port}:${message.orderNo}`
        const timer = this.#unacked.get(key)
        if (!timer) return
        clearTimeout(timer)
        this.#unacked.delete(key)
        this.run.summary.chargesEnded++
        return
      }
      case 'query_port_data':
        return this.#send(this.#portData())
      case 'query_parameters':
        return this.#send({ type: 'parameters', ...this.table })
      case 'set_parameters':
        this.table = parameterTable(message)
        return this.#send({ type: 'set_parameters_reply' })
      case 'heartbeat_reply':
      case 'local_start_ack':
        return
    }
  }

  #loggedIn(message: ServerMessage<'login_reply'>) {
    if (message.result === 0x01) {
      this.run.refused('login_refused')
      this.#later(() => this.#login(), LOGIN_RETRY_MS)
      return
    }
    this.loggedIn = true
    // The first swipe comes soon, so short runs charge too.
    this.nextSwipeAt = Date.now() + this.run.random() * 1_000
    const seconds = message.heartbeatSeconds || HEARTBEAT_DEFAULT_SECONDS
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    this.#heartbeat = setInterval(() => this.#heartbeatNow(), seconds * 1000)
    this.#heartbeatNow()
  }

  #start(message: ServerMessage<'start'>) {
    const port = this.ports[message.port - 1]
    this.#clearSwipe(port)
    if (port.charge) {
      this.run.refused('port_busy')
      this.#send({
        type: 'start_reply',
        port: message.port,
        orderNo: message.orderNo,
        startMode: message.startMode,
        result: 1,
      })
      return
    }
    const random = this.run.random
    // The first rider at each pile only tops up, so even short runs see whole charges.
    const topUp = this.#charges++ === 0
    port.charge = {
      orderNo: message.orderNo,
      cardNumber: message.cardNumber,
      chargeType: message.chargeType,
      durationLimit: message.durationSeconds,
      amountLimit: message.amountFen,
      energyLimit: message.energyWattHours,
      seconds: 0,
      curveSeconds: 0,
      energyWattHours: 0,
      amountFen: 0,
      powerWatts: 0,
      maxPowerWatts: 0,
      // An e-bike charger: 48-72 V at 2-6 A.
      plateauWatts: 150 + random() * 250,
      constantSeconds: topUp ? random() * 300 : 1800 + random() * 3 * 3600,
      taperSeconds: topUp ? 300 + random() * 300 : 1200 + random() * 1800,
      // One rider in ten takes the charger away before the end.
      unplugAtSeconds: random() < 0.1 ? 600 + random() * 3 * 3600 : null,
    }
    this.run.summary.chargesStarted++
    this.#send({
      type: 'start_reply',
      port: message.port,
      orderNo: message.orderNo,
      startMode: message.startMode,
      result: 0,
    })
  }

  #stop(message: ServerMessage<'stop'>) {
    const port = this.ports[message.port - 1]
    const charge = port.charge
    const result = !charge
      ? STOP_RESULT.idle
      : charge.orderNo !== message.orderNo
        ? STOP_RESULT.mismatch
        : STOP_RESULT.stopped
    this.#send({ type: 'stop_reply', port: message.port, orderNo: message.orderNo, result })
    if (result === STOP_RESULT.stopped) this.#end(port, REASON.manual)
  }

  #power(charge: Charge) {
    const noise = 1 + (this.run.random() - 0.5) * 0.04
    const at = charge.curveSeconds
    if (at < RAMP_SECONDS) return (charge.plateauWatts * at * noise) / RAMP_SECONDS
    if (at < charge.constantSeconds) return charge.plateauWatts * noise
    const tapering = (at - charge.constantSeconds) / charge.taperSeconds
    return charge.plateauWatts * Math.exp(-tapering) * noise
  }

  /** The hourly price of the highest tier the charge reached. */
  #priceFen(charge: Charge) {
    return (this.table.tierPricesFen ?? DEFAULT_TABLE.tierPricesFen!)[this.#tier(charge)]
  }

  #tier(charge: Charge) {
    const index = this.table.tierPowersWatts.findIndex((bound) => charge.maxPowerWatts <= bound)
    return index === -1 ? this.table.tierPowersWatts.length - 1 : index
  }

  #endReason(charge: Charge) {
    if (charge.unplugAtSeconds !== null && charge.curveSeconds >= charge.unplugAtSeconds) {
      return REASON.unplugged
    }
    if (charge.chargeType === 2 && charge.amountFen >= (charge.amountLimit ?? Infinity)) {
      return REASON.money
    }
    if (charge.chargeType === 4 && charge.energyWattHours >= (charge.energyLimit ?? Infinity)) {
      return REASON.energy
    }
    if (
      (charge.chargeType === 1 || charge.chargeType === 3) &&
      charge.seconds >= (charge.durationLimit ?? Infinity)
    ) {
      return REASON.time
    }
    if (charge.curveSeconds > charge.constantSeconds && charge.powerWatts < FULL_BELOW_WATTS) {
      return REASON.full
    }
    return null
  }

  #end(port: Port, reason: number) {
    const charge = port.charge!
    port.charge = null
    const unit = WATT_HOURS_PER_UNIT[this.run.codec.energyUnit]
    const report: JuyDeviceMessage = {
      type: 'end_report',
      port: port.no,
      orderNo: charge.orderNo,
      durationSeconds: Math.floor(charge.seconds),
      energyWattHours: Math.floor(charge.energyWattHours / unit) * unit,
      amountFen: Math.round(charge.amountFen),
      stopReason: reason,
      stopPowerWatts: Math.round(charge.powerWatts),
      cardNumber: charge.cardNumber,
      tiers: [
        {
          durationSeconds: Math.min(0xffff, Math.floor(charge.seconds)),
          priceFen: this.#priceFen(charge),
        },
      ],
    }
    const key = `${port.no}:${charge.orderNo}`
    let resendsLeft = this.run.resends
    const sendReport = () => {
      this.#send(report)
      const timer = setTimeout(() => {
        if (resendsLeft-- > 0) return sendReport()
        this.#unacked.delete(key)
        this.#problem('end_report_unacked', key)
      }, this.run.resendMs)
      this.#unacked.set(key, timer)
    }
    sendReport()
  }

  #portData(): JuyDeviceMessage {
    const unit = WATT_HOURS_PER_UNIT[this.run.codec.energyUnit]
    this.#reportCounter++
    return {
      type: 'port_data',
      voltageDecivolts: 2200 + (this.#reportCounter % 7) * 3,
      temperatureCelsius: 31,
      ports: this.ports.flatMap((port) => {
        const charge = port.charge
        if (!charge) return []
        return [
          {
            port: port.no,
            tier: this.#tier(charge),
            priceFen: this.#priceFen(charge),
            powerWatts: Math.round(charge.powerWatts),
            durationSeconds: Math.floor(charge.seconds),
            amountFen: Math.min(0xffff, Math.round(charge.amountFen)),
            energyWattHours: Math.floor(charge.energyWattHours / unit) * unit,
            temperatureCelsius: 33,
          },
        ]
      }),
    }
  }

  #clearSwipe(port: Port | undefined) {
    if (!port?.swipePending) return
    clearTimeout(port.swipePending)
    port.swipePending = null
  }

  #send(message: JuyDeviceMessage) {
    const { topic, payload } = encodeDeviceMqttMessage(this.imei, message, {
      ...this.run.codec,
      commandFormat: this.run.commandFormat,
    })
    this.run.summary.frames.sent++
    this.client?.publishAsync(topic, payload, { qos: 1 }).catch((error) => {
      this.run.summary.errors++
      this.run.options.logger.warn({ err: error, imei: this.imei }, 'juy simulator: not sent')
    })
  }

  #problem(reason: string, detail: string) {
    this.run.summary.errors++
    this.run.options.logger.warn({ imei: this.imei, reason, detail }, 'juy simulator: problem')
  }

  #later(callback: () => void, ms: number) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      callback()
    }, ms)
    this.#timers.add(timer)
  }
}

/** What every pile of one run shares. */
class SimulationRun extends SimulationBase {
  cards: number[]
  codec: { tierLayout: JuyTierLayout; energyUnit: JuyEnergyUnit }
  commandFormat: JuyTopicCommandFormat
  resendMs: number
  resends: number
  #swipeMeanMs: number

  constructor(options: VendorSimulationOptions, settings: JuySimulatorSettings) {
    super(options, { speed: 1, seed: Date.now() })
    // JUY cards are u32 UIDs: numbers printed otherwise cannot be swiped here.
    const cards = (options.cardNos ?? []).map(cardNumberOf).filter((card) => card !== null)
    this.cards = cards.length ? cards : Array.from({ length: 20 }, (_, index) => 10_000_001 + index)
    this.codec = {
      tierLayout: settings.tierLayout ?? 'interleaved',
      energyUnit: settings.energyUnit ?? 'centi_kwh',
    }
    this.commandFormat = settings.commandFormat ?? 'hex'
    this.resendMs = (settings.resendSeconds ?? 10) * 1000
    this.resends = settings.resends ?? 3
    this.#swipeMeanMs = (settings.swipeEverySeconds ?? Math.max(1, 600 / this.speed)) * 1000
  }

  swipeInterval() {
    return this.exponential(this.#swipeMeanMs)
  }
}

export class JuySimulator implements VendorSimulator {
  constructor(private settings: JuySimulatorSettings = {}) {}

  async run(options: VendorSimulationOptions): Promise<VendorSimulationSummary> {
    const run = new SimulationRun(options, this.settings)
    const speed = options.speed ?? 1
    const keys =
      options.deviceKeys?.slice(0, options.piles) ??
      Array.from({ length: options.piles }, (_, index) => String(860_000_000_000_001 + index))
    const piles = keys.map((imei) => new SimulatedPile(imei, options.ports, run))
    await Promise.all(piles.map((pile) => pile.connect()))
    options.logger.info(
      { piles: piles.length, ports: options.ports, endpoint: options.endpoint },
      'juy simulator: connected'
    )

    // Port data every simulated minute, but at most once a real second.
    const reportMs = Math.min(60, Math.max(1, 60 / speed)) * 1000
    let last = Date.now()
    let lastReport = last
    const ticker = setInterval(() => {
      const now = Date.now()
      const elapsed = (now - last) / 1000
      last = now
      for (const pile of piles) pile.tick(elapsed, now)
      if (now - lastReport >= reportMs) {
        lastReport = now
        for (const pile of piles) pile.portReport()
      }
    }, TICK_MS)

    await run.untilEnd()
    clearInterval(ticker)
    // Give end reports in flight their ack before leaving.
    const deadline = Date.now() + run.resendMs
    while (Date.now() < deadline && !piles.every((pile) => pile.settled)) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await Promise.all(piles.map((pile) => pile.close()))

    const summary = { ...run.summary, piles: piles.length }
    options.logger.info(summary, 'juy simulator: done')
    return summary
  }
}
