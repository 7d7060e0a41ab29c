/*
| The timed piles of bench/settle.ts: light clients on the plugins' codecs
| that start charges by card swipe (untimed) and send the end of a charge
| as the real pile does, resolving when the adapter's answer arrives:
| - vendor-dny (TCP): card swipe → 0x82 start command answered → 0x20
|   settlement, acked once the core's chargeEnded resolved;
| - vendor-ocpp16 (WebSocket): Authorize → StartTransaction →
|   StopTransaction, whose CALLRESULT goes out once chargeEnded resolved.
*/
import net from 'node:net'
import WebSocket from 'ws'
import {
  decodeServerMessage,
  encodeDeviceMessage,
  type DnyDeviceMessage,
  type DnyServerMessage,
} from '../plugins/vendor-dny/protocol/codec.js'
import { DnyFrameDecoder } from '../plugins/vendor-dny/protocol/frame_decoder.js'
import { cardUidOf, orderNoFromWire } from '../plugins/vendor-dny/mapping.js'

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
