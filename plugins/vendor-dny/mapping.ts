import type {
  VendorCardDecision,
  VendorChargeLimit,
  VendorPortReport,
  VendorStopReason,
} from '#sdk/contracts/vendor'
import { DNY_ENERGY_RATE_MODE, DNY_PORT_STATUSES } from './protocol/codes.js'

/*
| Between DNY's codes and the core's normalised words. Every choice where
| DNY has no exact code is listed in README.md.
*/

/** The device key: the u32 physical id as 8 upper-case hex digits (device_keys.ts). */
export function deviceKeyOf(physicalId: number) {
  return physicalId.toString(16).toUpperCase().padStart(8, '0')
}

export function physicalIdOf(deviceKey: string): number | null {
  return /^[0-9A-F]{8}$/.test(deviceKey) ? Number.parseInt(deviceKey, 16) : null
}

/** Ports by the physical id's type byte, when the pile has not told us yet. */
const PORTS_BY_DEVICE_TYPE: Record<number, number> = {
  0x03: 1,
  0x04: 2,
  0x05: 10,
  0x06: 16,
  0x07: 12,
}

export function portCountOfDeviceType(deviceType: number): number | undefined {
  return PORTS_BY_DEVICE_TYPE[deviceType]
}

/** The type byte a simulated pile with this many ports carries. */
export function deviceTypeForPorts(ports: number) {
  const entry = Object.entries(PORTS_BY_DEVICE_TYPE).find(([, count]) => count === ports)
  if (!entry) throw new RangeError(`DNY piles have 1, 2, 10, 12 or 16 ports, not ${ports}`)
  return Number(entry[0])
}

/** 0x21 port status byte -> the core's port state; faults keep DNY's name as their code. */
export function portReport(portNo: number, status: number): VendorPortReport {
  switch (status) {
    case 0x00:
      return { portNo, state: 'idle' }
    // 0x04, charging without metering, is still a charge in progress.
    case 0x01:
    case 0x04:
      return { portNo, state: 'charging' }
    case 0x02:
      return { portNo, state: 'plugged' }
    // 0x05, float charging (浮充), is the trickle after the battery is full.
    case 0x03:
    case 0x05:
      return { portNo, state: 'full' }
    default: {
      const name = DNY_PORT_STATUSES[status as keyof typeof DNY_PORT_STATUSES]
      return { portNo, state: 'fault', faultCode: name ?? `status_0x${hex2(status)}` }
    }
  }
}

const STOP_REASONS: Record<number, VendorStopReason> = {
  0x01: 'full',
  0x02: 'time_limit',
  0x03: 'time_limit',
  0x04: 'energy_limit',
  0x05: 'unplugged',
  0x06: 'overload',
  0x07: 'remote_stop',
  0x08: 'overload',
  0x0a: 'fault',
  0x0b: 'fault',
  0x0c: 'overload',
  0x0d: 'unplugged',
  0x0e: 'power_loss',
  0x0f: 'fault',
  0x10: 'fault',
  0x11: 'fault',
  0x12: 'fault',
  0x13: 'local_stop',
  0x14: 'local_stop',
  0x15: 'local_stop',
  0x16: 'local_stop',
  0x17: 'remote_stop',
  0x18: 'fault',
  0x19: 'fault',
  0x1a: 'fault',
  0x1b: 'fault',
}

/** 0x03 stop reason -> VendorStopReason; codes without a sure meaning (0x09, 0x1C) are `other`. */
export function stopReasonOf(code: number): VendorStopReason {
  return STOP_REASONS[code] ?? 'other'
}

export function rawStopCode(code: number) {
  return `0x${hex2(code)}`
}

type Refusal = Extract<VendorCardDecision, { authorised: false }>['reason']

/** The 0x02 reply's account status for each refusal: each plays its own voice prompt. */
const ACCOUNT_STATUSES: Record<Refusal, number> = {
  unknown_card: 0x01,
  lost_card: 0x0b,
  frozen: 0x0b,
  insufficient_balance: 0x06,
  port_busy: 0x08,
  unknown_pile: 0x0c,
}

export function accountStatusOf(reason: Refusal) {
  return ACCOUNT_STATUSES[reason] ?? 0x0b
}

export const DEVICE_UNREGISTERED = 0x0c

/** The 0x82 fields for a charge limit. DNY bounds both to u16; a larger limit is capped. */
export function chargeLimitFields(limit: VendorChargeLimit) {
  switch (limit.kind) {
    case 'duration':
      return { rateMode: 0 as const, durationSeconds: u16(limit.seconds) }
    case 'energy':
      // 0.01 kWh = 10 Wh, rounded up so a small limit never reads 0 (= stop when full).
      return {
        rateMode: DNY_ENERGY_RATE_MODE as typeof DNY_ENERGY_RATE_MODE,
        energyCentiKwh: u16(Math.ceil(limit.wattHours / 10)),
      }
    // DNY has no money limit: the charge runs to full, bounded by its
    // maximum duration, and the core stops it when the amount is reached.
    case 'amount':
    case 'full':
      return { rateMode: 0 as const, durationSeconds: 0 }
  }
}

export function u16(value: number) {
  return Math.max(0, Math.min(0xffff, Math.round(value)))
}

/*
| Order numbers. DNY carries 16 bytes; our order numbers are up to 16
| printable ASCII characters, sent as their bytes padded with zeros. A
| record whose bytes are not such a text is the pile's own number (an
| offline charge): it is reported as the transaction reference.
*/

export function orderNoToWire(orderNo: string): string | null {
  if (!/^[\x20-\x7E]{1,16}$/.test(orderNo)) return null
  const bytes = Buffer.alloc(16)
  bytes.write(orderNo, 'ascii')
  return bytes.toString('hex').toUpperCase()
}

export function orderNoFromWire(wire: string): {
  orderNo: string | null
  transactionRef: string | null
} {
  const bytes = Buffer.from(wire, 'hex')
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0) end--
  const text = bytes.subarray(0, end)
  const printable = end > 0 && text.every((byte) => byte >= 0x20 && byte <= 0x7e)
  if (printable) return { orderNo: text.toString('ascii'), transactionRef: null }
  return { orderNo: null, transactionRef: wire === NO_ORDER ? null : wire }
}

export const NO_ORDER = '0'.repeat(32)

/*
| Card numbers: the UID in wire order as 8 hex digits (how the demo cards
| are printed) or, with `cardNumberFormat: 'decimal'`, the same bytes read
| big-endian as 10 decimal digits (how the vendor prints its cards).
*/

export type CardNumberFormat = 'hex' | 'decimal'

export function cardNoOf(cardUid: string, format: CardNumberFormat) {
  if (format === 'hex') return cardUid
  return Number.parseInt(cardUid, 16).toString().padStart(10, '0')
}

/** The simulator's side: the UID a printed card number stands for. */
export function cardUidOf(cardNo: string): string {
  if (/^[0-9A-Fa-f]{8}$/.test(cardNo)) return cardNo.toUpperCase()
  if (/^\d{10}$/.test(cardNo) && Number(cardNo) <= 0xffffffff) {
    return Number(cardNo).toString(16).toUpperCase().padStart(8, '0')
  }
  throw new RangeError(`not a card number: ${cardNo}`)
}

function hex2(value: number) {
  return value.toString(16).toUpperCase().padStart(2, '0')
}
