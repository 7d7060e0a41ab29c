import type {
  VendorCardDecision,
  VendorChargeLimit,
  VendorPortReport,
  VendorStopReason,
} from '#sdk/contracts/vendor'
import { JUY_PORT_STATUSES, JUY_STOP_REASONS } from './protocol/codes.js'
import type { ParameterTable } from './protocol/parameter_table.js'

/*
| Between JUY's codes and the core's normalised vocabulary. Pure
| functions, tested with the adapter.
*/

const U32_MAX = 0xffffffff

/**
 * JUY carries a u32 order number; ours is text. A decimal number that fits
 * is sent as is, anything else as its 32-bit FNV-1a hash: the same order
 * always maps to the same wire number, so a resent start and the core
 * (which gets it as `transactionRef`) agree on it after a gateway restart.
 */
export function wireOrderNo(orderNo: string): number {
  if (/^\d{1,10}$/.test(orderNo) && Number(orderNo) <= U32_MAX && Number(orderNo) > 0) {
    return Number(orderNo)
  }
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(orderNo, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  // 0 reads as "no order" on piles: never hand it out.
  return hash || 1
}

/*
| Card numbers: JUY sends the UID as a u32. The core takes cards as printed:
| 8 hex digits (the default, as the demo cards are) or, with
| `cardNumberFormat: 'decimal'`, 10 decimal digits.
*/
export type CardNumberFormat = 'hex' | 'decimal'

export function cardNoOf(cardNumber: number, format: CardNumberFormat) {
  if (format === 'decimal') return String(cardNumber).padStart(10, '0')
  return cardNumber.toString(16).toUpperCase().padStart(8, '0')
}

/** The simulator's side: the u32 a printed card number stands for; null for other numbers. */
export function cardNumberOf(cardNo: string): number | null {
  if (/^[0-9A-Fa-f]{8}$/.test(cardNo)) return Number.parseInt(cardNo, 16)
  if (/^\d{10}$/.test(cardNo) && Number(cardNo) <= U32_MAX) return Number(cardNo)
  return null
}

type Status = keyof typeof JUY_PORT_STATUSES

/** A heartbeat's port status byte as the core's port state. */
export function portReport(portNo: number, status: number): VendorPortReport {
  const name = JUY_PORT_STATUSES[status as Status]
  if (name === 'idle') return { portNo, state: 'idle' }
  if (name === 'in_use') return { portNo, state: 'charging' }
  return { portNo, state: 'fault', faultCode: name ?? `status_${status}` }
}

type StopCode = keyof typeof JUY_STOP_REASONS

const STOP_REASONS: Record<(typeof JUY_STOP_REASONS)[StopCode], VendorStopReason> = {
  full: 'full',
  time_used_up: 'time_limit',
  money_used_up: 'amount_limit',
  manual: 'local_stop',
  energy_used_up: 'energy_limit',
  over_power: 'overload',
  no_charger: 'unplugged',
  over_temperature: 'fault',
  smoke: 'fault',
  // The document does not say what "smart stop" watches; the raw code travels with it.
  smart_stop: 'other',
}

/** 0x85's stop reason; "manual" is ours when we had sent the stop. */
export function stopReason(code: number, remoteStop: boolean) {
  const name = JUY_STOP_REASONS[code as StopCode]
  if (!name) return { stopReason: 'other' as const, rawStopCode: String(code) }
  const reason = name === 'manual' && remoteStop ? 'remote_stop' : STOP_REASONS[name]
  return { stopReason: reason, rawStopCode: name }
}

type Refusal = Extract<VendorCardDecision, { authorised: false }>['reason']

/** 0x87 reply results: 1 illegal, 2 frozen, 5 insufficient, 6 in use. */
const CARD_RESULTS: Record<Refusal, number> = {
  unknown_card: 1,
  lost_card: 1,
  unknown_pile: 1,
  frozen: 2,
  insufficient_balance: 5,
  port_busy: 6,
}

export function cardRefusalResult(reason: Refusal) {
  return CARD_RESULTS[reason] ?? 1
}

/** The 0x83 charge type and its parameter for a limit. */
export function chargeLimit(
  limit: VendorChargeLimit,
  maxDurationSeconds: number,
  wattHoursPerUnit: number
) {
  switch (limit.kind) {
    case 'full':
      // The document's sample caps a full charge with the time parameter.
      return { chargeType: 1, durationSeconds: clampU32(maxDurationSeconds) }
    case 'duration':
      return { chargeType: 3, durationSeconds: clampU32(limit.seconds) }
    case 'amount':
      return { chargeType: 2, amountFen: clampU32(limit.fen) }
    case 'energy': {
      // The wire counts whole units: round down, but never to nothing.
      const units = Math.max(1, Math.floor(limit.wattHours / wattHoursPerUnit))
      return { chargeType: 4, energyWattHours: units * wattHoursPerUnit }
    }
  }
}

export function clampU32(value: number) {
  return Math.min(U32_MAX, Math.max(0, Math.round(value)))
}

/** The table carried by a 0x89 reply or a 0x8A command, without its message type. */
export function parameterTable(message: ParameterTable & { type: string }): ParameterTable {
  const table: ParameterTable & { type?: string } = { ...message }
  delete table.type
  return table
}

const TIER_FIELDS = ['tierPowersWatts', 'tierPricesFen', 'tierDiscountPercents'] as const
const BOOLEAN_FIELDS = ['freeMode', 'smokeAlarm', 'stopWhenFull'] as const
const NUMBER_FIELDS = [
  'billingMode',
  'coinChargeMinutes',
  'cardChargeMinutes',
  'cardFeeFen',
  'floatPowerWatts',
  'floatMinutes',
  'temperatureAlarmCelsius',
  'volume',
  'usedEnergyWattHours',
  'plugWaitSeconds',
  'unplugWaitSeconds',
  'icCardType',
  'removalPowerWatts',
] as const

/**
 * The core's parameters (names of the parameter table; tier lists as
 * comma-separated numbers, switches as 0/1 or true/false) written over the
 * pile's current table: 0x8A always sends the whole table.
 */
export function mergeParameters(
  current: ParameterTable,
  parameters: Record<string, string | number>
): { ok: true; table: ParameterTable } | { ok: false; detail: string } {
  const table: ParameterTable = { ...current }
  for (const [name, value] of Object.entries(parameters)) {
    const text = String(value).trim()
    if ((TIER_FIELDS as readonly string[]).includes(name)) {
      const tiers = text.split(',').map((part) => Number(part.trim()))
      if (tiers.some((tier) => !Number.isInteger(tier))) {
        return { ok: false, detail: `${name}: not a list of whole numbers` }
      }
      table[name as (typeof TIER_FIELDS)[number]] = tiers
    } else if ((BOOLEAN_FIELDS as readonly string[]).includes(name)) {
      if (!['0', '1', 'true', 'false'].includes(text)) {
        return { ok: false, detail: `${name}: not a switch` }
      }
      table[name as (typeof BOOLEAN_FIELDS)[number]] = text === '1' || text === 'true'
    } else if ((NUMBER_FIELDS as readonly string[]).includes(name)) {
      const number = Number(text)
      if (!text || !Number.isInteger(number)) return { ok: false, detail: `${name}: not a number` }
      table[name as (typeof NUMBER_FIELDS)[number]] = number
    } else {
      return { ok: false, detail: `unknown parameter ${name}` }
    }
  }
  return { ok: true, table }
}
