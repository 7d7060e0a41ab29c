import type { PluginLogger } from '../logger.js'

/*
| Vendor adapters: a pile protocol (DNY over TCP, JUY over MQTT, OCPP over
| WebSocket...). The gateway process creates each vendor plugin once, with
| platform config (config/gateway.ts), and starts it with the core's event
| sink. The adapter owns its listener or broker connection, framing,
| checksums, acks and resends; it reports normalised events to the sink
| and turns the core's commands into frames. It never writes money.
*/

/** A port's state as piles report it. Units are in the field names. */
export interface VendorPortReport {
  /** From 1. */
  portNo: number
  state: 'idle' | 'charging' | 'plugged' | 'full' | 'fault'
  powerDeciwatts?: number
  faultCode?: string | null
}

/** Who the pile is and what it says about itself, at login or heartbeat. */
export interface VendorPileReport {
  /** The pile's identity in its protocol (DNY physical id, JUY IMEI, OCPP chargeBoxId). */
  deviceKey: string
  ports?: VendorPortReport[]
  portCount?: number | null
  firmware?: string | null
  iccid?: string | null
  protocolVersion?: string | null
  ip?: string | null
  at?: Date
}

/** Whether the core lets the pile in: an unknown or disabled pile is kept out of charging. */
export interface VendorPileDecision {
  accepted: boolean
  /** Only when accepted: seconds between heartbeats the core expects. */
  heartbeatSeconds?: number
}

/** How a charge is to stop, as the pile is told. */
export type VendorChargeLimit =
  | { kind: 'full' }
  | { kind: 'duration'; seconds: number }
  | { kind: 'energy'; wattHours: number }
  | { kind: 'amount'; fen: number }

export type VendorCardDecision =
  | {
      authorised: true
      /** Our order number for the charge the pile is to start (16 ASCII chars fit DNY). */
      orderNo: string
      balanceFen: number
      limit: VendorChargeLimit
      maxDurationSeconds: number
    }
  | {
      authorised: false
      reason:
        | 'unknown_card'
        | 'lost_card'
        | 'frozen'
        | 'insufficient_balance'
        | 'port_busy'
        | 'unknown_pile'
    }

/** Why a charge ended, normalised from each protocol's codes. */
export type VendorStopReason =
  | 'full'
  | 'time_limit'
  | 'energy_limit'
  | 'amount_limit'
  | 'unplugged'
  | 'remote_stop'
  | 'local_stop'
  | 'overload'
  | 'fault'
  | 'power_loss'
  | 'other'

export interface VendorChargeEnd {
  deviceKey: string
  portNo: number
  /** Our order number when the pile carries it; else the adapter's transaction reference. */
  orderNo: string | null
  transactionRef?: string | null
  startedAt?: Date | null
  endedAt: Date
  /**
   * Null when the adapter does not know when the charge started (OCPP after
   * a gateway restart): the core takes the start it stored with the order.
   */
  durationSeconds: number | null
  /** The session's energy as the pile counts it; null when the pile reports only its meter register. */
  energyWattHours: number | null
  /**
   * The absolute meter register at the end (OCPP meterStop). Without a
   * session figure the core bills the register minus the start reading it
   * stored at chargeStarted; the pile's own energy figure wins when present.
   */
  meterStopWattHours?: number | null
  maxPowerDeciwatts?: number | null
  stopReason: VendorStopReason
  /** The protocol's own code, kept with the order. */
  rawStopCode?: string | null
}

/** Why a pile refused or failed a start, normalised from each protocol's answers. */
export type VendorStartFailure =
  'no_charger' | 'port_fault' | 'port_busy' | 'rejected' | 'timeout' | 'other'

/**
 * What a device presented to prove who it is, as its protocol carries it:
 * a secret (the OCPP AuthorizationKey as lower-case hex, however the charger
 * sent it; an MQTT password as text), the SIM ICCID a DNY module sends on
 * connect, or nothing.
 */
export type VendorDeviceProof =
  { kind: 'secret'; secret: string } | { kind: 'iccid'; iccid: string } | { kind: 'none' }

/**
 * The core's verdict on a device's identity, asked before the adapter lets a
 * connection speak for a pile.
 * - `authenticated`: proven (right secret, or the ICCID the pile is bound
 *   to). It replaces an older connection under the same key, as a reconnect.
 * - `unproven`: let in without proof: a registered pile whose tenant allows
 *   it (legacy chargers, `registered: true`), or a key nobody registered
 *   that may wait to be claimed (`registered: false`; it never charges). It
 *   never replaces an authenticated connection under the same key.
 * - `refused`: wrong or missing proof, an identity that changed, or no room
 *   for another unknown device; the adapter answers with its protocol's
 *   refusal (OCPP 401, MQTT CONNACK 4/5, closing the DNY socket).
 */
export type VendorIdentityDecision =
  | { outcome: 'authenticated' }
  | { outcome: 'unproven'; registered: boolean }
  | {
      outcome: 'refused'
      reason: 'bad_credentials' | 'identity_changed' | 'pending_full' | 'invalid_key'
    }

/** A device asking to speak for a pile. */
export interface VendorIdentityClaim {
  deviceKey: string
  proof: VendorDeviceProof
  /** The peer's address as the adapter sees it. */
  ip?: string | null
}

/** The core's side, given to an adapter when the gateway starts it. */
export interface VendorEventSink {
  /**
   * Who may speak for `deviceKey`: asked once per connection (and again when
   * a connection names another key) before any other event for that key.
   */
  authenticate(claim: VendorIdentityClaim): Promise<VendorIdentityDecision>
  pileOnline(report: VendorPileReport): Promise<VendorPileDecision>
  heartbeat(report: VendorPileReport): Promise<VendorPileDecision>
  portStatus(deviceKey: string, port: VendorPortReport): Promise<void>
  pileOffline(deviceKey: string): Promise<void>
  /**
   * A card swiped: may the pile start, and with which order and limit?
   * `portNo` is null when the protocol names no port at authorisation (OCPP
   * Authorize): the order then gets its port at chargeStarted.
   */
  cardSwiped(event: {
    deviceKey: string
    portNo: number | null
    cardNo: string
    at?: Date
  }): Promise<VendorCardDecision>
  /**
   * The pile confirms a charge started (after a swipe, a remote start, or
   * on its own for BLE/offline charges). Returns our order number.
   */
  chargeStarted(event: {
    deviceKey: string
    portNo: number
    orderNo: string | null
    transactionRef?: string | null
    idTag?: string | null
    meterStartWattHours?: number | null
    at: Date
  }): Promise<{ orderNo: string; accepted: boolean }>
  /**
   * The pile refused or failed a start (a swipe's or a remote one): the core
   * closes the order at once, nothing billed. Idempotent.
   */
  chargeStartFailed(event: {
    deviceKey: string
    portNo: number
    orderNo: string | null
    reason: VendorStartFailure
    /** The protocol's own answer, kept with the order. */
    detail?: string | null
    at: Date
  }): Promise<void>
  meterSample(event: {
    deviceKey: string
    portNo: number
    orderNo: string | null
    transactionRef?: string | null
    powerDeciwatts: number
    energyWattHours?: number | null
    at: Date
  }): Promise<void>
  /**
   * The settlement record. Idempotent: a pile resends it until acked, for
   * days; the adapter acks once this resolves.
   */
  chargeEnded(event: VendorChargeEnd): Promise<{ orderNo: string | null; settled: boolean }>
  /**
   * The pile's real outcome of a command that carried a `commandId`: acked,
   * refused (failed) or unanswered within the adapter's own timeout.
   * Reported once per command; the first report wins.
   */
  commandResult(event: {
    commandId: number
    status: 'acked' | 'failed' | 'timeout'
    result?: Record<string, unknown>
  }): Promise<void>
}

/**
 * What the core asks a pile to do. `commandId` is the device_commands row
 * the gateway sends; the adapter reports its outcome with commandResult.
 */
export type VendorCommand = { commandId?: number | null } & (
  | {
      type: 'start'
      portNo: number
      orderNo: string
      limit: VendorChargeLimit
      maxDurationSeconds: number
      balanceFen?: number
    }
  | {
      type: 'stop'
      portNo: number
      orderNo?: string | null
      /**
       * The charge's transactionRef as the core stored it at chargeStarted,
       * for an adapter that did not see the charge start (the pile came from
       * another gateway, or after a restart) and needs the pile's own id.
       */
      transactionRef?: string | null
    }
  | { type: 'reboot' }
  | { type: 'set_parameters'; parameters: Record<string, string | number> }
)

export interface VendorCommandOutcome {
  status: 'acked' | 'failed' | 'timeout' | 'not_connected'
  /** The pile's own answer, normalised where the protocol says (e.g. no charger plugged). */
  detail?: string
  result?: Record<string, unknown>
}

/** The contract of `vendor` plugins. */
export interface VendorAdapter {
  /** Opens the listener or broker connection; piles may connect from now on. */
  start(sink: VendorEventSink): Promise<void>
  stop(): Promise<void>
  /** Where piles reach this adapter (e.g. `tcp://0.0.0.0:7001`), for logs and the README. */
  endpoint(): string
  /** Device keys of the piles connected now. */
  connected(): string[]
  send(deviceKey: string, command: VendorCommand): Promise<VendorCommandOutcome>
  /**
   * The pile is connected to another gateway now (several gateways run):
   * drop this adapter's connection to it, if it still has one, and forget
   * it without reporting it offline (its charge goes on there). Afterwards
   * `connected()` leaves it out until it connects here again. Optional: an
   * adapter without it reports the stale connection offline when it
   * closes, and the core ignores that report.
   */
  forget?(deviceKey: string): Promise<void>
  /**
   * True when every gateway running this adapter reaches every pile (the
   * piles connect to a shared broker, not to this process): the core then
   * leases none of them to a gateway, any gateway sends their commands, and
   * `forget` is never asked. Absent: false.
   */
  reachesEveryPile?(): boolean
}

/** What `node ace pile:simulate` asks a vendor plugin's simulator to do. */
export interface VendorSimulationOptions {
  /** The adapter's endpoint to connect to. */
  endpoint: string
  piles: number
  ports: number
  durationSeconds: number
  /** Ends the run before `durationSeconds` are up (Ctrl-C, a drill done): piles close, the summary so far returns. */
  signal?: AbortSignal
  /** Device keys to use (the demo seeds piles with these); generated when absent. */
  deviceKeys?: string[]
  /**
   * What each simulated pile proves itself with, by device key: the secret
   * (OCPP AuthorizationKey in hex, JUY MQTT password) or, for DNY, the ICCID
   * it was bound to. Piles without an entry present none.
   */
  credentials?: Record<string, string>
  /** Card numbers the simulated riders swipe. */
  cardNos?: string[]
  /** Seconds of simulated time per real second (power curves, end conditions). */
  speed?: number
  seed?: number
  logger: PluginLogger
}

export interface VendorSimulationSummary {
  piles: number
  frames: { sent: number; received: number }
  swipes: number
  chargesStarted: number
  chargesEnded: number
  refusals: Record<string, number>
  errors: number
}

export interface VendorSimulator {
  run(options: VendorSimulationOptions): Promise<VendorSimulationSummary>
}
