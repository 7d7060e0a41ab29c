/*
| The load side of bench/ingest.ts, run as its own process so its CPU is
| not the gateway's. Given INGEST_LOAD (JSON: targets, device keys, pace),
| it connects every pile, logs each in, then runs one loop per pile: a
| power report, then a status frame the pile waits an answer for, then a
| pause of intervalMs. Per protocol:
| - vendor-dny (TCP): 0x06 port power (no answer), 0x21 heartbeat → ack;
| - vendor-juy (MQTT): port data (no answer), heartbeat → heartbeat reply;
| - vendor-ocpp16 (WebSocket): MeterValues and StatusNotification or
|   Heartbeat, each a CALL answered by a CALLRESULT.
| Frames of one pile are handled in order by the adapters, so an answer
| means the frames before it were processed too. In echo mode the same
| bytes go to a bare TCP or WebSocket echo server and the echo is the answer.
| Prints `MEASURING` when the warm-up ends and `RESULT <json>` at the end.
*/
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import mqtt, { type MqttClient } from 'mqtt'
import WebSocket from 'ws'
import { encodeDeviceMessage, type DnyDeviceMessage } from '../plugins/vendor-dny/protocol/codec.js'
import { DnyFrameDecoder } from '../plugins/vendor-dny/protocol/frame_decoder.js'
import { NO_ORDER } from '../plugins/vendor-dny/mapping.js'
import {
  decodeServerMessage,
  encodeDeviceMqttMessage,
  type JuyDeviceMessage,
} from '../plugins/vendor-juy/protocol/codec.js'
import { readServerMqttFrame } from '../plugins/vendor-juy/protocol/mqtt.js'

export type Protocol = 'dny' | 'juy' | 'ocpp'

export interface LoadPlan {
  /** gateway: the vendor plugins' listeners; echo: tcp echo for dny and juy, ws echo for ocpp. */
  mode: 'gateway' | 'echo'
  targets: { dny: string; juy: string; ocpp: string }
  keys: Record<Protocol, string[]>
  ports: number
  intervalMs: number
  warmupSeconds: number
  seconds: number
  /** Piles logging in at once. */
  loginConcurrency: number
}

export interface ProtocolResult {
  piles: number
  loggedIn: number
  /** Frames answered (or, unanswered, followed by an answer) in the measured window. */
  processed: number
  answered: number
  p50: number
  p99: number
  errors: number
}

const plan: LoadPlan = JSON.parse(process.env.INGEST_LOAD ?? 'null')
if (!plan) throw new Error('INGEST_LOAD is not set')

class Tally {
  processed = 0
  answered = 0
  errors = 0
  loggedIn = 0
  times: number[] = []
}

const tallies: Record<Protocol, Tally> = { dny: new Tally(), juy: new Tally(), ocpp: new Tally() }
let measuring = false
let running = true

/** Counts a cycle's frames and its answered frames' latencies, inside the window only. */
function record(tally: Tally, frames: number, latencies: number[]) {
  if (!measuring) return
  tally.processed += frames
  tally.answered += latencies.length
  tally.times.push(...latencies)
}

/** A pile: logs in once, then answers `cycle` with the latencies of its answered frames. */
interface Pile {
  login(): Promise<void>
  cycle(): Promise<{ frames: number; latencies: number[] }>
  close(): void
}

/** Resolves waiters by key when their answer comes; rejects all on close. */
class Answers<Key> {
  #waiting = new Map<Key, { resolve: () => void; reject: (error: Error) => void }>()

  wait(key: Key, timeoutMs = 60_000) {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key)
        reject(new Error('no answer in time'))
      }, timeoutMs)
      this.#waiting.set(key, {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error) => (clearTimeout(timer), reject(error)),
      })
    })
  }

  answer(key: Key) {
    const waiter = this.#waiting.get(key)
    this.#waiting.delete(key)
    waiter?.resolve()
  }

  failAll(error: Error) {
    for (const waiter of this.#waiting.values()) waiter.reject(error)
    this.#waiting.clear()
  }
}

function hostPort(url: string) {
  const parsed = new URL(url)
  const host = ['0.0.0.0', '::', '[::]', ''].includes(parsed.hostname)
    ? '127.0.0.1'
    : parsed.hostname
  return { host, port: Number(parsed.port) }
}

/** Sends bytes and waits until as many came back: one echo. */
class TcpEcho {
  #socket: net.Socket
  #received = 0
  #expected = 0
  #answers = new Answers<number>()

  constructor(url: string) {
    this.#socket = net.connect(hostPort(url))
    this.#socket.setNoDelay(true)
    this.#socket.on('data', (chunk) => {
      this.#received += chunk.length
      this.#answers.answer(this.#received)
    })
    this.#socket.on('error', () => this.#answers.failAll(new Error('echo socket failed')))
  }

  opened() {
    return new Promise<void>((resolve, reject) => {
      this.#socket.once('connect', resolve)
      this.#socket.once('error', reject)
    })
  }

  send(bytes: Buffer, answered: boolean) {
    this.#expected += bytes.length
    const waited = answered ? this.#answers.wait(this.#expected) : null
    this.#socket.write(bytes)
    return waited
  }

  close() {
    this.#socket.destroy()
  }
}

class DnyPile implements Pile {
  #socket: net.Socket | null = null
  #echo: TcpEcho | null = null
  #decoder = new DnyFrameDecoder()
  #answers = new Answers<number>()
  #messageId = 0
  readonly #physicalId: number

  constructor(deviceKey: string) {
    this.#physicalId = Number.parseInt(deviceKey, 16)
  }

  #frame(message: DnyDeviceMessage) {
    this.#messageId = (this.#messageId + 1) & 0xffff
    const messageId = this.#messageId
    return {
      messageId,
      bytes: encodeDeviceMessage({ physicalId: this.#physicalId, messageId }, message),
    }
  }

  async login() {
    const iccid = Buffer.from(`8986${this.#physicalId.toString().padStart(16, '0')}`)
    const register = this.#frame({
      type: 'register',
      firmwareVersion: 100,
      portCount: plan.ports,
      virtualId: 0,
      deviceModel: this.#physicalId >>> 24,
      workMode: 0,
    })
    if (plan.mode === 'echo') {
      this.#echo = new TcpEcho(plan.targets.dny)
      await this.#echo.opened()
      await this.#echo.send(Buffer.concat([iccid, register.bytes]), true)
      return
    }
    const socket = net.connect(hostPort(plan.targets.dny))
    this.#socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk) => {
      for (const item of this.#decoder.push(chunk)) {
        if (item.kind === 'frame') this.#answers.answer(item.frame.messageId)
      }
    })
    socket.on('error', () => this.#answers.failAll(new Error('dny socket failed')))
    socket.on('close', () => this.#answers.failAll(new Error('dny socket closed')))
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const acked = this.#answers.wait(register.messageId)
    socket.write(Buffer.concat([iccid, register.bytes]))
    await acked
  }

  async cycle() {
    const power = this.#frame({
      type: 'port_power',
      port: 1,
      portStatus: 1,
      durationSeconds: 600,
      energyCentiKwh: 5,
      startMode: 1,
      powerDeciwatts: 2500,
      maxPowerDeciwatts: 2600,
      minPowerDeciwatts: 2400,
      averagePowerDeciwatts: 2500,
      orderNo: NO_ORDER,
    })
    const heartbeat = this.#frame({
      type: 'heartbeat',
      voltageDecivolts: 2200,
      portCount: plan.ports,
      portStatuses: Array.from({ length: plan.ports }, () => 0),
    })
    const started = performance.now()
    if (this.#echo) {
      this.#echo.send(power.bytes, false)
      await this.#echo.send(heartbeat.bytes, true)
    } else {
      const acked = this.#answers.wait(heartbeat.messageId)
      this.#socket!.write(power.bytes)
      this.#socket!.write(heartbeat.bytes)
      await acked
    }
    return { frames: 2, latencies: [performance.now() - started] }
  }

  close() {
    this.#socket?.destroy()
    this.#echo?.close()
  }
}

class JuyPile implements Pile {
  #client: MqttClient | null = null
  #echo: TcpEcho | null = null
  #answers = new Answers<string>()

  constructor(readonly imei: string) {}

  #message(message: JuyDeviceMessage) {
    return encodeDeviceMqttMessage(this.imei, message)
  }

  async login() {
    const login = this.#message({
      type: 'login',
      imei: this.imei,
      portCount: plan.ports,
      hardwareVersion: 'JUY_B2_Q800M_1_0',
      softwareVersion: 'JUY_B2_COMM_V1.7',
      ccid: `8986${this.imei.slice(-15)}0`,
      signal: 27,
      protocolVersion: null,
      reason: 0,
    })
    if (plan.mode === 'echo') {
      this.#echo = new TcpEcho(plan.targets.juy)
      await this.#echo.opened()
      await this.#echo.send(Buffer.from(login.payload), true)
      return
    }
    const client = await mqtt.connectAsync(plan.targets.juy.replace('//0.0.0.0', '//127.0.0.1'), {
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
      decodeServerMessage(read.frame, { portCount: plan.ports })
        .then((decoded) => decoded.ok && this.#answers.answer(decoded.message.type))
        .catch(() => tallies.juy.errors++)
    })
    client.on('close', () => this.#answers.failAll(new Error('juy client closed')))
    await client.subscribeAsync(`JUY/S2D/${this.imei}/+/SERVER`, { qos: 1 })
    const acked = this.#answers.wait('login_reply')
    void client.publishAsync(login.topic, login.payload, { qos: 1 })
    await acked
  }

  async cycle() {
    const power = this.#message({
      type: 'port_data',
      voltageDecivolts: 2200,
      temperatureCelsius: 31,
      ports: [
        {
          port: 1,
          tier: 1,
          priceFen: 100,
          powerWatts: 250,
          durationSeconds: 600,
          amountFen: 17,
          energyWattHours: 40,
          temperatureCelsius: 33,
        },
      ],
    })
    const heartbeat = this.#message({
      type: 'heartbeat',
      signal: 27,
      temperatureCelsius: 31,
      portCount: plan.ports,
      portStatuses: Array.from({ length: plan.ports }, () => 0),
    })
    const started = performance.now()
    if (this.#echo) {
      this.#echo.send(Buffer.from(power.payload), false)
      await this.#echo.send(Buffer.from(heartbeat.payload), true)
    } else {
      const acked = this.#answers.wait('heartbeat_reply')
      void this.#client!.publishAsync(power.topic, power.payload, { qos: 1 })
      void this.#client!.publishAsync(heartbeat.topic, heartbeat.payload, { qos: 1 })
      await acked
    }
    return { frames: 2, latencies: [performance.now() - started] }
  }

  close() {
    this.#client?.end(true)
    this.#echo?.close()
  }
}

class OcppPile implements Pile {
  #socket: WebSocket | null = null
  #answers = new Answers<string>()
  #nextId = 0
  #beats = 0

  constructor(readonly chargeBoxId: string) {}

  async login() {
    const url =
      plan.mode === 'echo'
        ? plan.targets.ocpp
        : `${plan.targets.ocpp.replace('//0.0.0.0', '//127.0.0.1')}/${encodeURIComponent(this.chargeBoxId)}`
    const socket = new WebSocket(url, 'ocpp1.6')
    this.#socket = socket
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as [number, string, ...unknown[]]
      // In echo mode our own CALL comes back; from the gateway, its CALLRESULT.
      if (frame[0] === 3 || frame[0] === 4 || plan.mode === 'echo') this.#answers.answer(frame[1])
      else if (frame[0] === 2) socket.send(JSON.stringify([3, frame[1], { status: 'Accepted' }]))
    })
    socket.on('close', () => this.#answers.failAll(new Error('ocpp socket closed')))
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    await this.#call('BootNotification', {
      chargePointVendor: 'Bench',
      chargePointModel: 'Ingest',
      firmwareVersion: '1.0',
    })
  }

  #call(action: string, payload: unknown) {
    const id = `${++this.#nextId}`
    const answered = this.#answers.wait(id)
    this.#socket!.send(JSON.stringify([2, id, action, payload]))
    return answered
  }

  async cycle() {
    const latencies: number[] = []
    let started = performance.now()
    await this.#call('MeterValues', {
      connectorId: 1,
      meterValue: [
        {
          timestamp: new Date().toISOString(),
          sampledValue: [{ value: '250', measurand: 'Power.Active.Import', unit: 'W' }],
        },
      ],
    })
    latencies.push(performance.now() - started)
    started = performance.now()
    // Status of each connector in turn, a heartbeat after every full round.
    const connectorId = this.#beats++ % (plan.ports + 1)
    if (connectorId === plan.ports) await this.#call('Heartbeat', {})
    else
      await this.#call('StatusNotification', {
        connectorId: connectorId + 1,
        errorCode: 'NoError',
        status: 'Available',
      })
    latencies.push(performance.now() - started)
    return { frames: 2, latencies }
  }

  close() {
    this.#socket?.terminate()
  }
}

const piles: [Protocol, Pile][] = [
  ...plan.keys.dny.map((key) => ['dny', new DnyPile(key)] as [Protocol, Pile]),
  ...plan.keys.juy.map((key) => ['juy', new JuyPile(key)] as [Protocol, Pile]),
  ...plan.keys.ocpp.map((key) => ['ocpp', new OcppPile(key)] as [Protocol, Pile]),
]

const loggedIn = new Set<Pile>()
const loginStarted = performance.now()
let nextLogin = 0
await Promise.all(
  Array.from({ length: plan.loginConcurrency }, async () => {
    while (nextLogin < piles.length) {
      const [protocol, pile] = piles[nextLogin++]
      try {
        await pile.login()
        loggedIn.add(pile)
        tallies[protocol].loggedIn++
      } catch {
        tallies[protocol].errors++
      }
    }
  })
)
const loginSeconds = (performance.now() - loginStarted) / 1000

async function loop(protocol: Protocol, pile: Pile) {
  // Spread over the interval so the piles do not beat in step.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * plan.intervalMs))
  while (running) {
    try {
      const { frames, latencies } = await pile.cycle()
      record(tallies[protocol], frames, latencies)
    } catch {
      tallies[protocol].errors++
      return
    }
    await new Promise((resolve) => setTimeout(resolve, plan.intervalMs))
  }
}

const loops = Promise.all(
  piles.map(([protocol, pile]) => (loggedIn.has(pile) ? loop(protocol, pile) : undefined))
)
await new Promise((resolve) => setTimeout(resolve, plan.warmupSeconds * 1000))
measuring = true
console.log('MEASURING')
const windowStarted = performance.now()
await new Promise((resolve) => setTimeout(resolve, plan.seconds * 1000))
measuring = false
const windowSeconds = (performance.now() - windowStarted) / 1000
running = false

function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

const results: Record<string, ProtocolResult> = {}
for (const protocol of Object.keys(tallies) as Protocol[]) {
  const tally = tallies[protocol]
  const sorted = tally.times.sort((a, b) => a - b)
  results[protocol] = {
    piles: plan.keys[protocol].length,
    loggedIn: tally.loggedIn,
    processed: tally.processed,
    answered: tally.answered,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: tally.errors,
  }
}
const all = Object.values(tallies)
  .flatMap((tally) => tally.times)
  .sort((a, b) => a - b)
console.log(
  `RESULT ${JSON.stringify({
    windowSeconds,
    loginSeconds,
    protocols: results,
    total: { p50: percentile(all, 50), p99: percentile(all, 99) },
  })}`
)
await Promise.race([loops, new Promise((resolve) => setTimeout(resolve, 5_000))])
for (const [, pile] of piles) pile.close()
process.exit(0)
