import type {
  VendorCardDecision,
  VendorChargeEnd,
  VendorChargeLimit,
  VendorEventSink,
  VendorStartFailure,
} from '#sdk/contracts/vendor'
import type { CappedEnd, EndClaim, Observation } from '#core/billing/billing_caps'
import type { default as ChargingOrder, EndClaimRecord } from '#models/charging_order'

/*
| The charging rules every unit of app/services/orders shares: pure figures,
| no database.
*/

/** Meter samples kept per order: 5-minute DNY reports fill a day; faster piles stop being kept. */
export const MAX_SAMPLES = 300
/** Power under this (0.1 W) counts as nothing flowing: 10 W. */
export const IDLE_POWER_DECIWATTS = 100

/** A pile's event as the session units take it: its pile found by the gateway (device key → pile id). */
type AtPile<Event> = Omit<Event, 'deviceKey'> & { pileId: number }
type EventOf<Name extends keyof VendorEventSink> = Parameters<VendorEventSink[Name]>[0]
export type SwipeEvent = AtPile<EventOf<'cardSwiped'>> & { at: Date }
export type StartEvent = AtPile<EventOf<'chargeStarted'>>
export type StartFailureEvent = AtPile<EventOf<'chargeStartFailed'>>
export type MeterEvent = AtPile<EventOf<'meterSample'>>
/** The end record as the pile sent it (acked by the device key it names), its pile found. */
export type EndEvent = VendorChargeEnd & { pileId: number }
/** How a meter sample or an end record names its order. */
export type OrderRef = Pick<MeterEvent, 'pileId' | 'portNo' | 'orderNo' | 'transactionRef'>

/** The platform's clock: what it observed, never a pile's claimed times. */
export type Clock = () => Date
export const systemClock: Clock = () => new Date()

/** What an order cancelled by the pile's start failure shows as its reason (charging.json `cancelReasons`). */
export function startFailureReason(reason: VendorStartFailure) {
  return `start_failed_${reason}`
}

/**
 * The energy of an end record: the pile's own session figure when it gives
 * one, else its end register minus the start reading stored with the order.
 */
export function endEnergy(
  end: Pick<VendorChargeEnd, 'energyWattHours' | 'meterStopWattHours'>,
  meterStartWattHours: number | null
) {
  if (end.energyWattHours !== null && end.energyWattHours !== undefined) {
    return Math.max(0, end.energyWattHours)
  }
  if (end.meterStopWattHours === null || end.meterStopWattHours === undefined) return 0
  if (meterStartWattHours === null) return 0
  return Math.max(0, end.meterStopWattHours - meterStartWattHours)
}

/**
 * A stop-when-full charge is full when its power falls under a fifth of the
 * highest it drew (a charger in float mode draws little), and never more
 * than 60 W: the common "full" threshold of e-bike piles.
 */
export function fullThreshold(maxPowerDeciwatts: number) {
  return Math.min(Math.floor(maxPowerDeciwatts / 5), 600)
}

/** What an order keeps of an end record the platform did not take as is, for staff to review. */
export function endClaimRecord(claim: EndClaim, seen: Observation, end: CappedEnd): EndClaimRecord {
  const iso = (at: Date | null) => (at ? at.toISOString() : null)
  return {
    startedAt: iso(claim.startedAt),
    endedAt: iso(claim.endedAt),
    durationSeconds: claim.durationSeconds,
    energyWattHours: claim.energyWattHours,
    maxPowerDeciwatts: claim.maxPowerDeciwatts,
    observedFrom: iso(seen.openedAt),
    observedUntil: iso(seen.lastSeenAt),
    receivedAt: iso(seen.arrivedAt)!,
    toleranceSeconds: end.toleranceSeconds,
    capped: end.capped,
  }
}

/** The pile's answer to an authorised order: its limit and what this charge may spend. */
export function authorisedDecision(
  order: Pick<
    ChargingOrder,
    'durationType' | 'durationHours' | 'capFen' | 'orderNo' | 'maxDurationSeconds'
  >
): VendorCardDecision & { authorised: true } {
  const limit: VendorChargeLimit =
    order.durationType === 'hours'
      ? { kind: 'duration', seconds: order.durationHours! * 3600 }
      : order.durationType === 'amount'
        ? { kind: 'amount', fen: order.capFen! }
        : { kind: 'full' }
  return {
    authorised: true,
    orderNo: order.orderNo,
    // What this charge may spend, not the whole wallet.
    balanceFen: order.capFen ?? 0,
    limit,
    maxDurationSeconds: order.maxDurationSeconds,
  }
}
