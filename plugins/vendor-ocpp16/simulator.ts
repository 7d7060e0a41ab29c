import { WebSocket } from 'ws'
import type {
  VendorSimulationOptions,
  VendorSimulationSummary,
  VendorSimulator,
} from '#sdk/contracts/vendor'
import { SimulationBase } from '#sdk/simulator'
import { SUBPROTOCOL } from './adapter.js'
import { OcppCallError, type OcppPayload } from './protocol/frames.js'
import { OcppRpc, type CallOutcome } from './protocol/rpc.js'
import type { OcppAction } from './protocol/messages.js'

/*
| N chargers × M connectors as OCPP 1.6J clients. Each connector loops:
| idle, plug in (Preparing), swipe (Authorize), StartTransaction, MeterValues
| on a battery curve (ramp, constant power, taper above 80 %, then
| SuspendedEV), StopTransaction when full (EVDisconnected after SuspendedEV),
| at the rider's time (Local), on an early unplug (EVDisconnected) or on
| RemoteStopTransaction (Remote).
|
| Honest figures: `speed` (simulated seconds per real second) hurries what
| is not billed (riders' waits, the battery's state of charge, so "full" and
| the rider's time come sooner) but never what is: frame timestamps are the
| real clock and the energy register grows by the power drawn over real
| time, so no end record claims more time or energy than really passed.
| Each charger presents its AuthorizationKey (options.credentials, hex) as
| HTTP Basic auth, and takes a new one by ChangeConfiguration
| AuthorizationKey for its next connection, as a real charger does.
*/

type EndPlan =
  { kind: 'full' } | { kind: 'time'; seconds: number } | { kind: 'unplug'; seconds: number }

interface Charge {
  transactionId: number
  idTag: string
  /** On the simulated clock (state of charge, the rider's plan). */
  startedAt: number
  meterStart: number
  /** Wh drawn so far, unrounded; the register shows the whole Wh of it. */
  energyWh: number
  /** Real time of the last meter sample (or of the start). */
  sampledAt: number
  /** Power the vehicle draws in its constant phase, W. */
  maxWatts: number
  capacityWh: number
  soc: number
  plan: EndPlan
  stopReason: string | null
}

interface Connector {
  id: number
  /** Wh on the connector's register. */
  register: number
  charge: Charge | null
  remoteIdTag: string | null
  wake: (() => void) | null
}

/*
| A charger sends a few frames a second at most, however fast the simulated
| clock runs: below the adapter's default message rate (5/s, burst 50), so
| a sped-up simulation is never throttled.
*/
const FRAMES_PER_SECOND = 4
const FRAME_BURST = 20

export class OcppSimulator implements VendorSimulator {
  async run(options: VendorSimulationOptions): Promise<VendorSimulationSummary> {
    return new SimulationRun(options).run()
  }
}

class SimulationRun extends SimulationBase {
  startedAt = Date.now()
  deadline: number
  running = true
  stopWaiters = new Set<() => void>()

  constructor(options: VendorSimulationOptions) {
    super(options, { speed: 1, seed: Date.now() })
    this.deadline = this.startedAt + options.durationSeconds * 1000
  }

  /** The simulated clock: real time since the start, times the speed. */
  now() {
    return this.startedAt + (Date.now() - this.startedAt) * this.speed
  }

  /** Sleeps for simulated seconds; cut short by the end of the run or by `wake`. */
  sleep(simulatedSeconds: number, wakeable?: Connector) {
    const ms = Math.max(
      1,
      Math.min((simulatedSeconds * 1000) / this.speed, this.deadline - Date.now())
    )
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.stopWaiters.delete(done)
        if (wakeable) wakeable.wake = null
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.stopWaiters.add(done)
      if (wakeable) wakeable.wake = done
    })
  }

  async run() {
    const keys = Array.from(
      { length: this.options.piles },
      (_, index) =>
        this.options.deviceKeys?.[index] ?? `SIM-OCPP-${String(index + 1).padStart(4, '0')}`
    )
    const chargers = keys.map((key) => new SimulatedCharger(this, key))
    // An abort brings the deadline forward: every wait measured against it ends now.
    const ended = this.untilEnd().then(() => {
      this.deadline = Math.min(this.deadline, Date.now())
    })
    const loops = chargers.map((charger) => charger.run())
    await ended
    this.running = false
    for (const wake of [...this.stopWaiters]) wake()
    await Promise.all(loops)
    this.options.logger.info({ summary: this.summary }, 'vendor-ocpp16 simulator: done')
    return this.summary
  }
}

class SimulatedCharger {
  rpc: OcppRpc | null = null
  connectors: Connector[]
  heartbeatSeconds = 60
  meterSampleSeconds = 60
  /** StopTransactions made while cut off, delivered in order after the next boot (OCPP 1.6 §4.8). */
  queued: { action: OcppAction; payload: OcppPayload }[] = []
  /** The AuthorizationKey (hex) presented at the next connection; none without one. */
  authorizationKey: string | null
  frameTokens = FRAME_BURST
  frameTokensAt = Date.now()

  constructor(
    readonly sim: SimulationRun,
    readonly key: string
  ) {
    this.authorizationKey = sim.options.credentials?.[key]?.toLowerCase() ?? null
    this.connectors = Array.from({ length: sim.options.ports }, (_, index) => ({
      id: index + 1,
      register: Math.round(sim.between(1_000, 500_000)),
      charge: null,
      remoteIdTag: null,
      wake: null,
    }))
  }

  get log() {
    return this.sim.options.logger
  }

  url() {
    const base = this.sim.options.endpoint.replace('//0.0.0.0', '//127.0.0.1').replace(/\/+$/, '')
    return `${base}/${encodeURIComponent(this.key)}`
  }

  async run() {
    while (this.sim.running) {
      const socket = await this.connect()
      if (!socket) {
        this.sim.summary.errors++
        await this.sim.sleep(this.sim.speed)
        continue
      }
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      if (await this.boot()) {
        await Promise.race([
          Promise.all([this.heartbeats(), ...this.connectors.map((c) => this.connectorLoop(c))]),
          closed,
        ])
      }
      await this.endCharges('Local')
      socket.close()
      await closed
    }
  }

  connect() {
    return new Promise<WebSocket | null>((resolve) => {
      const socket = new WebSocket(this.url(), SUBPROTOCOL, { headers: this.credentials() })
      socket.once('open', () => {
        this.rpc = new OcppRpc(socket, {
          answers: 'central-system-calls',
          callTimeoutMs: 30_000,
          handle: (action, payload) => this.handle(action, payload),
          problem: (message, detail) => {
            this.sim.summary.errors++
            this.log.warn({ ...detail, deviceKey: this.key }, `ocpp simulator: ${message}`)
          },
          frame: (direction) => {
            if (direction === 'in') this.sim.summary.frames.received++
            else this.sim.summary.frames.sent++
          },
        })
        resolve(socket)
      })
      socket.once('error', (error) => {
        this.log.warn(
          { deviceKey: this.key, error: error.message },
          'ocpp simulator: cannot connect'
        )
        resolve(null)
      })
    })
  }

  /** Security Profile 1: user = chargeBoxId, password = the key's raw bytes. */
  credentials(): Record<string, string> {
    if (!this.authorizationKey) return {}
    const pair = Buffer.concat([
      Buffer.from(`${this.key}:`),
      Buffer.from(this.authorizationKey, 'hex'),
    ])
    return { authorization: `Basic ${pair.toString('base64')}` }
  }

  /** Waits until this charger may send another frame (FRAMES_PER_SECOND). */
  async pace() {
    for (;;) {
      const now = Date.now()
      this.frameTokens = Math.min(
        FRAME_BURST,
        this.frameTokens + ((now - this.frameTokensAt) / 1000) * FRAMES_PER_SECOND
      )
      this.frameTokensAt = now
      if (this.frameTokens >= 1) {
        this.frameTokens -= 1
        return
      }
      await new Promise((resolve) =>
        setTimeout(resolve, ((1 - this.frameTokens) / FRAMES_PER_SECOND) * 1000)
      )
    }
  }

  async paced(action: OcppAction, payload: OcppPayload): Promise<CallOutcome> {
    await this.pace()
    return this.rpc!.call(action, payload)
  }

  async call(action: OcppAction, payload: OcppPayload): Promise<OcppPayload | null> {
    const outcome: CallOutcome = await this.paced(action, payload)
    if (outcome.kind === 'result') return outcome.payload
    if (outcome.kind !== 'closed') this.sim.summary.errors++
    return null
  }

  /** The real clock: what is billed is never sped up. */
  timestamp() {
    return new Date().toISOString()
  }

  async boot() {
    while (this.sim.running && !this.rpc!.closed) {
      const answer = await this.call('BootNotification', {
        chargePointVendor: 'PileHub',
        chargePointModel: 'SIM-AC7',
        chargePointSerialNumber: this.key,
        firmwareVersion: 'sim-1.0.0',
      })
      if (answer?.status === 'Accepted') {
        this.heartbeatSeconds = Number(answer.interval) || 60
        while (this.queued.length > 0 && !this.rpc!.closed) {
          const { action, payload } = this.queued[0]
          const outcome = await this.paced(action, payload)
          if (outcome.kind === 'closed') return false
          this.queued.shift()
        }
        await this.status(0, 'Available')
        for (const connector of this.connectors) {
          await this.status(connector.id, connector.charge ? 'Charging' : 'Available')
        }
        return true
      }
      this.sim.refused(`boot_${String(answer?.status ?? 'error').toLowerCase()}`)
      // Heartbeat intervals are real seconds: the central system's clock, not ours.
      await this.sim.sleep(Math.max(1, Number(answer?.interval) || 10) * this.sim.speed)
    }
    return false
  }

  status(connectorId: number, status: string) {
    return this.call('StatusNotification', {
      connectorId,
      errorCode: 'NoError',
      status,
      timestamp: this.timestamp(),
    })
  }

  async heartbeats() {
    while (this.sim.running && !this.rpc!.closed) {
      await this.sim.sleep(this.heartbeatSeconds * this.sim.speed)
      if (this.sim.running) await this.call('Heartbeat', {})
    }
  }

  async connectorLoop(connector: Connector) {
    const rpc = this.rpc!
    while (this.sim.running && !rpc.closed) {
      // Not wakeable while a charge's own loop waits on this connector.
      await this.sim.sleep(this.sim.between(10, 120), connector.charge ? undefined : connector)
      if (!this.sim.running || rpc.closed) return
      // A charge begun before the connection dropped is still going on.
      if (connector.charge) continue
      const idTag = connector.remoteIdTag ?? (await this.swipe(connector))
      if (!idTag) continue
      try {
        await this.charge(connector, idTag)
      } finally {
        // Kept until the charge is over: a second remote start meanwhile is rejected, as a real charger does.
        connector.remoteIdTag = null
      }
    }
  }

  /** A rider plugs in and swipes a card; returns the accepted idTag. */
  async swipe(connector: Connector) {
    await this.status(connector.id, 'Preparing')
    const cards = this.sim.options.cardNos
    const card = cards?.length
      ? cards[Math.floor(this.sim.random() * cards.length)]
      : `SIMCARD${String(Math.floor(this.sim.random() * 1000)).padStart(4, '0')}`
    this.sim.summary.swipes++
    const answer = await this.call('Authorize', { idTag: card })
    const status = (answer?.idTagInfo as { status?: string } | undefined)?.status
    if (status === 'Accepted') return card
    if (status) this.sim.refused(status.toLowerCase())
    await this.status(connector.id, 'Available')
    return null
  }

  async charge(connector: Connector, idTag: string) {
    const meterStart = connector.register
    const answer = await this.call('StartTransaction', {
      connectorId: connector.id,
      idTag,
      meterStart,
      timestamp: this.timestamp(),
    })
    if (!answer) return
    const transactionId = Number(answer.transactionId)
    const accepted = (answer.idTagInfo as { status?: string }).status === 'Accepted'
    const roll = this.sim.random()
    const charge: Charge = {
      transactionId,
      idTag,
      startedAt: this.sim.now(),
      meterStart,
      energyWh: 0,
      sampledAt: Date.now(),
      maxWatts: Math.round(this.sim.between(2_000, 7_000)),
      capacityWh: Math.round(this.sim.between(8_000, 40_000)),
      soc: this.sim.between(0.2, 0.7),
      plan:
        roll < 0.5
          ? { kind: 'full' }
          : roll < 0.8
            ? { kind: 'time', seconds: Math.round(this.sim.between(30, 180)) * 60 }
            : { kind: 'unplug', seconds: Math.round(this.sim.between(5, 60)) * 60 },
      stopReason: accepted ? null : 'DeAuthorized',
    }
    connector.charge = charge
    if (accepted) {
      this.sim.summary.chargesStarted++
      await this.status(connector.id, 'Charging')
      await this.powerCurve(connector, charge)
    } else {
      this.sim.refused('start_invalid')
    }
    await this.stopCharge(connector, charge.stopReason ?? 'Local')
  }

  /** Reports meter values until the charge ends; sets `stopReason`. */
  async powerCurve(connector: Connector, charge: Charge) {
    let suspendedSamples = 0
    // The vehicle keeps charging while the charger is cut off from the central system.
    while (!charge.stopReason && this.sim.running) {
      await this.sim.sleep(this.meterSampleSeconds, connector)
      if (charge.stopReason || !this.sim.running) return
      const elapsed = (this.sim.now() - charge.startedAt) / 1000
      const ramp = Math.min(1, elapsed / 30)
      const taper = charge.soc < 0.8 ? 1 : Math.max(0, (1 - charge.soc) / 0.2)
      const watts =
        charge.maxWatts * ramp * taper < charge.maxWatts * 0.02 ? 0 : charge.maxWatts * ramp * taper
      // Billed energy: this power over the real time since the last sample, never more.
      const now = Date.now()
      charge.energyWh += (watts * (now - charge.sampledAt)) / 3_600_000
      charge.sampledAt = now
      connector.register = charge.meterStart + Math.floor(charge.energyWh)
      // The battery fills on the simulated clock, so "full" comes sooner.
      const simulatedWattHours = (watts * this.meterSampleSeconds) / 3600
      charge.soc = Math.min(1, charge.soc + simulatedWattHours / charge.capacityWh)
      await this.call('MeterValues', {
        connectorId: connector.id,
        transactionId: charge.transactionId,
        meterValue: [
          {
            timestamp: this.timestamp(),
            sampledValue: [
              {
                value: String(Math.round(watts)),
                measurand: 'Power.Active.Import',
                unit: 'W',
                context: 'Sample.Periodic',
              },
              {
                value: String(connector.register),
                measurand: 'Energy.Active.Import.Register',
                unit: 'Wh',
                context: 'Sample.Periodic',
              },
            ],
          },
        ],
      })
      if (watts === 0) {
        if (suspendedSamples++ === 0) await this.status(connector.id, 'SuspendedEV')
        // The rider comes back a few minutes after the vehicle is full.
        if (suspendedSamples >= 3) charge.stopReason = 'EVDisconnected'
      } else if (charge.plan.kind === 'time' && elapsed >= charge.plan.seconds) {
        charge.stopReason = 'Local'
      } else if (charge.plan.kind === 'unplug' && elapsed >= charge.plan.seconds) {
        charge.stopReason = 'EVDisconnected'
      }
    }
  }

  async stopCharge(connector: Connector, reason: string) {
    const charge = connector.charge
    if (!charge) return
    connector.charge = null
    const payload = {
      transactionId: charge.transactionId,
      idTag: charge.idTag,
      meterStop: connector.register,
      timestamp: this.timestamp(),
      reason,
    }
    const outcome = await this.paced('StopTransaction', payload)
    if (outcome.kind === 'closed') this.queued.push({ action: 'StopTransaction', payload })
    else if (outcome.kind !== 'result') this.sim.summary.errors++
    if (reason !== 'DeAuthorized') this.sim.summary.chargesEnded++
    await this.status(connector.id, 'Finishing')
    await this.status(connector.id, 'Available')
  }

  async endCharges(reason: string) {
    for (const connector of this.connectors) {
      if (connector.charge && this.rpc && !this.rpc.closed) {
        connector.charge.stopReason = reason
        await this.stopCharge(connector, reason)
      }
    }
  }

  async handle(action: string, payload: OcppPayload): Promise<OcppPayload> {
    switch (action) {
      case 'RemoteStartTransaction': {
        const connector = this.connectors.find(
          (candidate) =>
            (payload.connectorId === undefined || candidate.id === payload.connectorId) &&
            !candidate.charge &&
            !candidate.remoteIdTag
        )
        if (!connector) return { status: 'Rejected' }
        connector.remoteIdTag = String(payload.idTag)
        connector.wake?.()
        return { status: 'Accepted' }
      }
      case 'RemoteStopTransaction': {
        const connector = this.connectors.find(
          (candidate) => candidate.charge?.transactionId === payload.transactionId
        )
        if (!connector?.charge) return { status: 'Rejected' }
        connector.charge.stopReason = 'Remote'
        connector.wake?.()
        return { status: 'Accepted' }
      }
      case 'Reset':
        // Ends the charges and reconnects: the socket closes right after this answer.
        setTimeout(() => {
          void this.endCharges(payload.type === 'Hard' ? 'HardReset' : 'SoftReset').then(() =>
            this.rpc?.socket.close()
          )
        }, 10)
        return { status: 'Accepted' }
      case 'ChangeConfiguration': {
        const seconds = Number(payload.value)
        if (payload.key === 'HeartbeatInterval' || payload.key === 'MeterValueSampleInterval') {
          if (!Number.isInteger(seconds) || seconds < 1) return { status: 'Rejected' }
          if (payload.key === 'HeartbeatInterval') this.heartbeatSeconds = seconds
          else this.meterSampleSeconds = seconds
          return { status: 'Accepted' }
        }
        if (payload.key === 'AuthorizationKey') {
          // 16-20 bytes as hex; used from the next connection on, as the Security Whitepaper has it.
          if (!/^(?:[0-9a-fA-F]{2}){16,20}$/.test(String(payload.value))) {
            return { status: 'Rejected' }
          }
          this.authorizationKey = String(payload.value).toLowerCase()
          return { status: 'Accepted' }
        }
        return { status: 'NotSupported' }
      }
    }
    throw new OcppCallError('NotSupported', `${action} is not simulated`)
  }
}
