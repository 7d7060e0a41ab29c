import { decideIdentity } from '#sdk/testing/vendor_contract'
import type {
  VendorCardDecision,
  VendorChargeEnd,
  VendorEventSink,
  VendorIdentityClaim,
  VendorIdentityDecision,
  VendorPileDecision,
  VendorPileReport,
  VendorPortReport,
} from '#sdk/contracts/vendor'

export type SinkEvent =
  | { type: 'authenticate'; claim: VendorIdentityClaim }
  | { type: 'pileOnline'; report: VendorPileReport }
  | { type: 'heartbeat'; report: VendorPileReport }
  | { type: 'portStatus'; deviceKey: string; port: VendorPortReport }
  | { type: 'pileOffline'; deviceKey: string }
  | { type: 'cardSwiped'; deviceKey: string; portNo: number; cardNo: string }
  | { type: 'chargeStarted'; deviceKey: string; portNo: number; orderNo: string | null }
  | { type: 'meterSample'; deviceKey: string; portNo: number; orderNo: string | null }
  | { type: 'chargeEnded'; event: VendorChargeEnd }
  | ({ type: 'chargeStartFailed' } & Parameters<VendorEventSink['chargeStartFailed']>[0])
  | ({ type: 'commandResult' } & Parameters<VendorEventSink['commandResult']>[0])

/**
 * The core's side as a test stands in for it: records every event,
 * accepts every pile but those in `refusedPiles`, authorises every card
 * but those in `refusedCards` with a fresh order number.
 */
export class RecordingSink implements VendorEventSink {
  readonly events: SinkEvent[] = []
  readonly refusedPiles = new Set<string>()
  readonly refusedCards = new Map<string, 'frozen' | 'unknown_card' | 'insufficient_balance'>()
  #orders = 0

  /** Proof each device key must present (see decideIdentity). */
  identities = new Map<string, string>()
  /** The core's identity answer; a test replaces it for other outcomes or a slow core. */
  decide: (claim: VendorIdentityClaim) => Promise<VendorIdentityDecision> = async (claim) =>
    decideIdentity(this.identities, claim)

  async authenticate(claim: VendorIdentityClaim) {
    this.events.push({ type: 'authenticate', claim })
    return this.decide(claim)
  }

  get claims() {
    return this.of('authenticate').map((event) => event.claim)
  }

  of<Type extends SinkEvent['type']>(type: Type) {
    return this.events.filter((event): event is Extract<SinkEvent, { type: Type }> => {
      return event.type === type
    })
  }

  /** Resolves once `check` holds, polling; fails the test after `timeoutMs`. */
  async until(check: () => boolean, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for sink events')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  #decide(report: VendorPileReport): VendorPileDecision {
    return this.refusedPiles.has(report.deviceKey)
      ? { accepted: false }
      : { accepted: true, heartbeatSeconds: 180 }
  }

  async pileOnline(report: VendorPileReport) {
    this.events.push({ type: 'pileOnline', report })
    return this.#decide(report)
  }

  async heartbeat(report: VendorPileReport) {
    this.events.push({ type: 'heartbeat', report })
    return this.#decide(report)
  }

  async portStatus(deviceKey: string, port: VendorPortReport) {
    this.events.push({ type: 'portStatus', deviceKey, port })
  }

  async pileOffline(deviceKey: string) {
    this.events.push({ type: 'pileOffline', deviceKey })
  }

  async cardSwiped(event: {
    deviceKey: string
    portNo: number
    cardNo: string
  }): Promise<VendorCardDecision> {
    this.events.push({ type: 'cardSwiped', ...event })
    const refusal = this.refusedCards.get(event.cardNo)
    if (refusal) return { authorised: false, reason: refusal }
    this.#orders++
    return {
      authorised: true,
      orderNo: `T${String(this.#orders).padStart(15, '0')}`,
      balanceFen: 5000,
      limit: { kind: 'full' },
      maxDurationSeconds: 36_000,
    }
  }

  async chargeStarted(event: { deviceKey: string; portNo: number; orderNo: string | null }) {
    this.events.push({ type: 'chargeStarted', ...event })
    return { orderNo: event.orderNo ?? 'OFFLINE', accepted: true }
  }

  async chargeStartFailed(event: Parameters<VendorEventSink['chargeStartFailed']>[0]) {
    this.events.push({ type: 'chargeStartFailed', ...event })
  }

  async meterSample(event: { deviceKey: string; portNo: number; orderNo: string | null }) {
    this.events.push({ type: 'meterSample', ...event })
  }

  async chargeEnded(event: VendorChargeEnd) {
    this.events.push({ type: 'chargeEnded', event })
    return { orderNo: event.orderNo, settled: true }
  }

  async commandResult(event: Parameters<VendorEventSink['commandResult']>[0]) {
    this.events.push({ type: 'commandResult', ...event })
  }
}
