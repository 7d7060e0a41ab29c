/*
| The timed piles of bench/settle.ts: light clients on the plugins' codecs
| that start charges by card swipe (untimed) and send the end of a charge
| as the real pile does, resolving when the adapter's answer arrives:
| - vendor-dny (TCP): card swipe → 0x82 start command answered → 0x20
|   settlement, acked once the core's chargeEnded resolved;
| - vendor-juy (MQTT): card auth → start command answered → end report,
|   acked once chargeEnded resolved;
| - vendor-ocpp16 (WebSocket): Authorize → StartTransaction →
|   StopTransaction, whose CALLRESULT goes out once chargeEnded resolved.
*/
import net from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import WebSocket from 'ws'
import {
  decodeServerMessage,
  encodeDeviceMessage,
  type DnyDeviceMessage,
  type DnyServerMessage,
} from '../plugins/vendor-dny/protocol/codec.js'
import { DnyFrameDecoder } from '../plugins/vendor-dny/protocol/frame_decoder.js'
import { cardUidOf, orderNoFromWire } from '../plugins/vendor-dny/mapping.js'
import {
  decodeServerMessage as decodeJuyServerMessage,
  encodeDeviceMqttMessage,
  type JuyDeviceMessage,
  type JuyServerMessage,
} from '../plugins/vendor-juy/protocol/codec.js'
import { readServerMqttFrame } from '../plugins/vendor-juy/protocol/mqtt.js'
import { cardNumberOf } from '../plugins/vendor-juy/mapping.js'

/** Resolves waiters by key when their answer comes; rejects all on close. */
class Answers<Key, Value> {
  #waiting = new Map<Key, { resolve: (value: Value) => void; reject: (error: Error) => void }>()

  wait(key: Key, timeoutMs = 60_000) {
    return new Promise<Value>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key)
        reject(new Error(`no answer to ${String(key)} in time`))
      }, timeoutMs)
      this.#waiting.set(key, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      })
    })
  }

  answer(key: Key, value: Value) {
    const waiter = this.#waiting.get(key)
    this.#waiting.delete(key)
    waiter?.resolve(value)
  }

  failAll(error: Error) {
    for (const waiter of this.#waiting.values()) waiter.reject(error)
    this.#waiting.clear()
  }
}

function hostPort(url: string) {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port) }
}

/** The end of one charge, as the pile measured it (OCPP: its length from the timestamps). */
export interface ChargeUsage {
  durationSeconds: number
  wattHours: number
  maxWatts: number
}

/** A started charge: the order the core gave it, and how to end it. */
export interface TimedCharge {
  /** The order number, or null when the pile never learns it (OCPP: its transaction id). */
  orderNo: string | null
  transactionRef: string | null
  end(usage: ChargeUsage): Promise<void>
}

export interface TimedPile {
  login(): Promise<void>
  start(portNo: number, cardNo: string): Promise<TimedCharge>
  close(): void
}

export class DnyTimedPile implements TimedPile {
  #socket: net.Socket | null = null
  #decoder = new DnyFrameDecoder()
  /** Answers by message id; start commands by port. */
  #answers = new Answers<number, DnyServerMessage>()
  #starts = new Answers<string, Extract<DnyServerMessage, { type: 'charge_control' }>>()
  #messageId = 0
  #charging = new Set<number>()
  readonly #physicalId: number

  constructor(
    deviceKey: string,
    readonly url: string,
    readonly ports: number
  ) {
    this.#physicalId = Number.parseInt(deviceKey, 16)
  }

  #send(message: DnyDeviceMessage, replyTo?: number) {
    const messageId = replyTo ?? (this.#messageId = (this.#messageId + 1) & 0xffff)
    const answered = replyTo === undefined ? this.#answers.wait(messageId) : null
    this.#socket!.write(encodeDeviceMessage({ physicalId: this.#physicalId, messageId }, message))
    return answered
  }

  #onFrame(messageId: number, message: DnyServerMessage) {
    if (message.type === 'charge_control') {
      // The gateway's own command: its answer goes back under its message id.
      if (message.action === 'start' && message.port !== null) {
        this.#charging.add(message.port)
        void this.#send(
          { type: 'charge_control_reply', result: 0, orderNo: message.orderNo, port: message.port },
          messageId
        )
        this.#starts.answer(`port ${message.port}`, message)
      }
      return
    }
    if (message.type === 'card_reply' && message.port !== null && message.accountStatus !== 0) {
      this.#starts.failAll(new Error(`card refused: status ${message.accountStatus}`))
    }
    this.#answers.answer(messageId, message)
  }

  async login() {
    const socket = net.connect(hostPort(this.url))
    this.#socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk) => {
      for (const item of this.#decoder.push(chunk)) {
        if (item.kind !== 'frame') continue
        const { frame } = item
        void decodeServerMessage(frame, { portCount: this.ports }).then(
          (decoded) => decoded.ok && this.#onFrame(frame.messageId, decoded.message)
        )
      }
    })
    const closed = () => {
      this.#answers.failAll(new Error('dny socket closed'))
      this.#starts.failAll(new Error('dny socket closed'))
    }
    socket.on('error', closed)
    socket.on('close', closed)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    socket.write(Buffer.from(`8986${this.#physicalId.toString().padStart(16, '0')}`))
    await this.#send({
      type: 'register',
      firmwareVersion: 100,
      portCount: this.ports,
      virtualId: 0,
      deviceModel: this.#physicalId >>> 24,
      workMode: 0,
    })
  }

  /** A heartbeat acked means every frame before it on this connection was handled. */
  #heartbeat() {
    return this.#send({
      type: 'heartbeat',
      voltageDecivolts: 2200,
      portCount: this.ports,
      portStatuses: Array.from({ length: this.ports }, (_, i) =>
        this.#charging.has(i + 1) ? 1 : 0
      ),
    })
  }

  async start(portNo: number, cardNo: string): Promise<TimedCharge> {
    const started = this.#starts.wait(`port ${portNo}`)
    void this.#send({
      type: 'card_swipe',
      cardUid: cardUidOf(cardNo),
      cardType: 1,
      port: portNo,
      cardBalanceFen: 0,
      timestamp: Math.floor(Date.now() / 1000),
    })
    const command = await started
    const wire = command.orderNo!
    await this.#heartbeat()
    return {
      orderNo: orderNoFromWire(wire).orderNo,
      transactionRef: null,
      end: async (usage) => {
        this.#charging.delete(portNo)
        const acked = await this.#send({
          type: 'settlement',
          durationSeconds: usage.durationSeconds,
          maxPowerDeciwatts: usage.maxWatts * 10,
          energyCentiKwh: Math.round(usage.wattHours / 10),
          port: portNo,
          startMode: 1,
          cardUid: cardUidOf(cardNo),
          stopReason: 0x01,
          orderNo: wire,
          secondMaxPowerDeciwatts: usage.maxWatts * 10,
          timestamp: Math.floor(Date.now() / 1000),
        })
        if (acked?.type !== 'settlement_ack') throw new Error(`settlement answered ${acked?.type}`)
      },
    }
  }

  close() {
    this.#socket?.destroy()
  }
}

const JUY_CARD_START = 2
const JUY_STOP_FULL = 0

export class JuyTimedPile implements TimedPile {
  #client: MqttClient | null = null
  /** Answers by type and port (`start 1`, `end_report_ack 1`), the heartbeat's by its type. */
  #answers = new Answers<string, JuyServerMessage>()
  /** Heartbeats one at a time: their replies carry nothing to tell them apart. */
  #beating: Promise<unknown> = Promise.resolve()
  #charging = new Set<number>()

  constructor(
    readonly imei: string,
    readonly url: string,
    readonly ports: number
  ) {}

  #publish(message: JuyDeviceMessage) {
    const { topic, payload } = encodeDeviceMqttMessage(this.imei, message)
    void this.#client!.publishAsync(topic, payload, { qos: 1 })
  }

  async login() {
    const client = await mqtt.connectAsync(this.url, {
      // The broker binds a pile's client id to its IMEI, its user name.
      clientId: this.imei,
      username: this.imei,
      clean: true,
      reconnectPeriod: 0,
    })
    this.#client = client
    client.on('message', (topic, payload) => {
      const read = readServerMqttFrame(topic, payload)
      if (!read.ok) return
      void decodeJuyServerMessage(read.frame, { portCount: this.ports }).then((decoded) => {
        if (!decoded.ok) return
        const message = decoded.message
        const port = 'port' in message ? ` ${message.port}` : ''
        this.#answers.answer(`${message.type}${port}`, message)
      })
    })
    client.on('close', () => this.#answers.failAll(new Error('juy client closed')))
    await client.subscribeAsync(`JUY/S2D/${this.imei}/+/SERVER`, { qos: 1 })
    const replied = this.#answers.wait('login_reply')
    this.#publish({
      type: 'login',
      imei: this.imei,
      portCount: this.ports,
      hardwareVersion: 'JUY_B2_Q800M_1_0',
      softwareVersion: 'JUY_B2_COMM_V1.7',
      ccid: `8986${this.imei.slice(-15)}0`,
      signal: 27,
      protocolVersion: null,
      reason: 0,
    })
    await replied
  }

  /** A heartbeat answered means the frames before it were handled. */
  #heartbeat(statuses: number[]) {
    const beat = this.#beating.then(() => {
      const replied = this.#answers.wait('heartbeat_reply')
      this.#publish({
        type: 'heartbeat',
        signal: 27,
        temperatureCelsius: 31,
        portCount: this.ports,
        portStatuses: statuses,
      })
      return replied
    })
    this.#beating = beat.catch(() => undefined)
    return beat
  }

  async start(portNo: number, cardNo: string): Promise<TimedCharge> {
    const cardNumber = cardNumberOf(cardNo)!
    const commanded = this.#answers.wait(`start ${portNo}`)
    // A refused card is answered by card_auth_reply instead: this wait times out.
    this.#publish({ type: 'card_auth', port: portNo, cardNumber, operation: JUY_CARD_START })
    const command = (await commanded) as Extract<JuyServerMessage, { type: 'start' }>
    this.#publish({
      type: 'start_reply',
      port: portNo,
      orderNo: command.orderNo,
      startMode: command.startMode,
      result: 0,
    })
    this.#charging.add(portNo)
    await this.#heartbeat(
      Array.from({ length: this.ports }, (_, i) => (this.#charging.has(i + 1) ? 1 : 0))
    )
    return {
      orderNo: null,
      transactionRef: String(command.orderNo),
      end: async (usage) => {
        this.#charging.delete(portNo)
        const acked = this.#answers.wait(`end_report_ack ${portNo}`)
        this.#publish({
          type: 'end_report',
          port: portNo,
          orderNo: command.orderNo,
          durationSeconds: usage.durationSeconds,
          energyWattHours: usage.wattHours,
          amountFen: 0,
          stopReason: JUY_STOP_FULL,
          stopPowerWatts: usage.maxWatts,
          cardNumber,
          tiers: [{ durationSeconds: usage.durationSeconds, priceFen: 100 }],
        })
        await acked
      },
    }
  }

  close() {
    this.#client?.end(true)
  }
}

type OcppAnswer = { ok: true; payload: Record<string, unknown> } | { ok: false; error: string }

export class OcppTimedPile implements TimedPile {
  #socket: WebSocket | null = null
  #answers = new Answers<string, OcppAnswer>()
  #nextId = 0

  /** Charges are reported as started `startedSecondsAgo` before their StartTransaction, ending when stopped. */
  constructor(
    readonly chargeBoxId: string,
    readonly url: string,
    readonly startedSecondsAgo: number
  ) {}

  async login() {
    const socket = new WebSocket(`${this.url}/${encodeURIComponent(this.chargeBoxId)}`, 'ocpp1.6')
    this.#socket = socket
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as [number, string, ...unknown[]]
      if (frame[0] === 3) this.#answers.answer(frame[1], { ok: true, payload: frame[2] as never })
      else if (frame[0] === 4)
        this.#answers.answer(frame[1], { ok: false, error: String(frame[2]) })
      // A command of the gateway's (none expected here): taken, as a charger would.
      else if (frame[0] === 2) socket.send(JSON.stringify([3, frame[1], { status: 'Accepted' }]))
    })
    socket.on('close', () => this.#answers.failAll(new Error('ocpp socket closed')))
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    await this.#call('BootNotification', {
      chargePointVendor: 'Bench',
      chargePointModel: 'Settle',
    })
  }

  async #call(action: string, payload: unknown) {
    const id = `${++this.#nextId}`
    const answered = this.#answers.wait(id)
    this.#socket!.send(JSON.stringify([2, id, action, payload]))
    const answer = await answered
    if (!answer.ok) throw new Error(`${action} answered CALLERROR ${answer.error}`)
    return answer.payload
  }

  async start(portNo: number, cardNo: string): Promise<TimedCharge> {
    const authorised = (await this.#call('Authorize', { idTag: cardNo })) as {
      idTagInfo: { status: string }
    }
    if (authorised.idTagInfo.status !== 'Accepted') {
      throw new Error(`card refused: ${authorised.idTagInfo.status}`)
    }
    const started = (await this.#call('StartTransaction', {
      connectorId: portNo,
      idTag: cardNo,
      meterStart: 0,
      timestamp: new Date(Date.now() - this.startedSecondsAgo * 1000).toISOString(),
    })) as { transactionId: number; idTagInfo: { status: string } }
    if (started.idTagInfo.status !== 'Accepted') {
      throw new Error(`start refused: ${started.idTagInfo.status}`)
    }
    return {
      orderNo: null,
      transactionRef: String(started.transactionId),
      end: async (usage) => {
        await this.#call('StopTransaction', {
          idTag: cardNo,
          transactionId: started.transactionId,
          meterStop: usage.wattHours,
          // The charge's length is the adapter's: its start timestamp to this one.
          timestamp: new Date().toISOString(),
          reason: 'EVDisconnected',
        })
      },
    }
  }

  close() {
    this.#socket?.terminate()
  }
}
