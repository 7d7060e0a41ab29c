/*
| What an end record may bill: no more than the platform observed.
|
| A pile's end record (its duration, start and end times, energy, highest
| power) is a claim, and a pile can lie, run a fast clock or resend a record
| for days (DNY resends every 30 minutes until acked, across gateway
| restarts). Only times read on the platform's own clock count:
|
| - The window opens at the start confirmation: when the platform recorded
|   chargeStarted (or the first meter sample with power, when the
|   confirmation was lost), else, for a charge never confirmed, when the
|   platform authorised it.
| - It closes at the last moment the platform saw the charge running: the
|   arrival of its latest meter sample, the port's last reported change
|   while the order held it (the last change of a charge is its end), or
|   the record's arrival when the port still reports charging. After the
|   pile dropped offline during the order, its port changes only describe
|   the reconnection and do not count; samples after it do.
| - Billed duration ≤ window + tolerance; energy ≤ the port's maximum power
|   over the window + tolerance (the time the platform saw, not the pile's
|   duration figure, which some protocols round down to whole minutes);
|   highest power ≤ the port's maximum.
| - ended_at = the earliest of the claimed end, the record's arrival and the
|   window's close + tolerance: never in the future. started_at is never
|   before the window's opening − tolerance, nor after ended_at.
|
| A charge the platform never saw start (an offline/BLE charge reported only
| by its end record) has no window: only the energy, power and future-end
| rules apply, and such an order has no rider, so it is never billed without
| staff (异常订单, unknown rider).
*/

/**
 * The least tolerance: one DNY report period (its meter samples come every
 * 5 minutes), so a charge that ran up to its next, unseen report is billed
 * in full; it also absorbs the delay between the pile starting and the
 * platform recording the confirmation.
 */
export const CAP_TOLERANCE_SECONDS = 5 * 60
/** On long charges a pile's own timer (counting from plug-in, rounding to minutes) may run ahead by this share. */
const CAP_TOLERANCE_RATIO = 0.05
/**
 * The most one e-bike port can draw: 2,500 W, the top power tier of the JUY
 * piles (the highest any supported protocol distinguishes; a 10 A e-bike
 * socket gives 2,200 W). No port or pile stores its own rating.
 */
export const PORT_MAX_WATTS = 2500

export type EndClaim = {
  startedAt: Date | null
  endedAt: Date
  /** Null when the pile gave none: then the span of the corrected start and end. */
  durationSeconds: number | null
  energyWattHours: number
  maxPowerDeciwatts: number
}

export type Observation = {
  /** Platform time the window opens (start confirmation), null when the platform never saw the charge start. */
  openedAt: Date | null
  /** Platform time the charge was last seen running, when later than the opening. */
  lastSeenAt: Date | null
  /** Platform time the end record is handled. */
  arrivedAt: Date
}

export const CAPPED_REASONS = ['capped_duration', 'capped_energy'] as const
export type CapReason = (typeof CAPPED_REASONS)[number]

export type CappedEnd = {
  startedAt: Date
  endedAt: Date
  durationSeconds: number
  energyWattHours: number
  maxPowerDeciwatts: number
  /** Which of the claim's billing figures were cut, duration first. */
  capped: CapReason[]
  /** The claimed end was after the record's arrival (or the window's close). */
  endMoved: boolean
  toleranceSeconds: number
}

export function toleranceSeconds(observedSeconds: number) {
  return Math.max(CAP_TOLERANCE_SECONDS, Math.ceil(observedSeconds * CAP_TOLERANCE_RATIO))
}

const ms = (date: Date) => date.getTime()
const min = (...dates: Date[]) => new Date(Math.min(...dates.map(ms)))
const max = (...dates: Date[]) => new Date(Math.max(...dates.map(ms)))

/** The end record's figures as the platform bills them (see the rules above). */
export function capEnd(claim: EndClaim, seen: Observation): CappedEnd {
  const capped: CapReason[] = []
  let endedAt = min(claim.endedAt, seen.arrivedAt)
  let window: { opened: Date; allowedSeconds: number } | null = null
  let tolerance = CAP_TOLERANCE_SECONDS
  if (seen.openedAt) {
    const opened = min(seen.openedAt, seen.arrivedAt)
    const close = min(max(opened, seen.lastSeenAt ?? opened), seen.arrivedAt)
    const observedSeconds = (ms(close) - ms(opened)) / 1000
    tolerance = toleranceSeconds(observedSeconds)
    window = { opened, allowedSeconds: Math.floor(observedSeconds + tolerance) }
    endedAt = min(endedAt, new Date(ms(close) + tolerance * 1000))
  }
  const endMoved = ms(endedAt) < ms(claim.endedAt)

  let startedAt = claim.startedAt ?? new Date(ms(endedAt) - (claim.durationSeconds ?? 0) * 1000)
  if (window) startedAt = max(startedAt, new Date(ms(window.opened) - tolerance * 1000))
  startedAt = min(startedAt, endedAt)

  // Without a figure from the pile, the duration is the span of the (corrected) times.
  const claimedSeconds = Math.max(
    0,
    Math.trunc(claim.durationSeconds ?? (ms(endedAt) - ms(startedAt)) / 1000)
  )
  let durationSeconds = claimedSeconds
  if (window && durationSeconds > window.allowedSeconds) {
    durationSeconds = window.allowedSeconds
    capped.push('capped_duration')
  }

  const maxPowerDeciwatts = Math.min(Math.max(0, claim.maxPowerDeciwatts), PORT_MAX_WATTS * 10)
  const energySeconds = window ? window.allowedSeconds : durationSeconds
  const energyCap = Math.ceil((PORT_MAX_WATTS * energySeconds) / 3600)
  const claimedEnergy = Math.max(0, Math.trunc(claim.energyWattHours))
  const energyWattHours = Math.min(claimedEnergy, energyCap)
  if (maxPowerDeciwatts < claim.maxPowerDeciwatts || energyWattHours < claimedEnergy) {
    capped.push('capped_energy')
  }
  return {
    startedAt,
    endedAt,
    durationSeconds,
    energyWattHours,
    maxPowerDeciwatts,
    capped,
    endMoved,
    toleranceSeconds: tolerance,
  }
}
