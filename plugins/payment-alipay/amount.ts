import { DateTime } from 'luxon'

/*
| Alipay speaks yuan as decimal strings ("12.34") and Beijing wall-clock
| times ("2026-11-25 06:53:59"). Both conversions stay in integers: a float
| (0.1 + 0.2) must never decide how much money moved.
*/

const ZONE = 'Asia/Shanghai'
const WALL_CLOCK = 'yyyy-MM-dd HH:mm:ss'
const YUAN = /^(-)?(\d+)(?:\.(\d{1,2}))?$/

/** Integer fen as Alipay's yuan string with two decimals: 1 -> "0.01", 123456 -> "1234.56". */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not a whole number of fen: ${fen}`)
  const value = BigInt(fen)
  const sign = value < 0n ? '-' : ''
  const absolute = value < 0n ? -value : value
  return `${sign}${absolute / 100n}.${(absolute % 100n).toString().padStart(2, '0')}`
}

/**
 * Alipay's yuan string as integer fen ("0.01" -> 1, "-12.3" -> -1230);
 * null for anything else (more than two decimals, exponents, blanks).
 */
export function yuanToFen(text: string): number | null {
  const match = YUAN.exec(text.trim())
  if (!match) return null
  const [, minus, whole, fraction = ''] = match
  const fen = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
  const signed = minus ? -fen : fen
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    return null
  }
  // "-0.00" is zero, not negative zero.
  return Number(signed) || 0
}

/** An instant as Alipay writes it: Beijing time, `yyyy-MM-dd HH:mm:ss`. */
export function toBeijingTime(instant: Date): string {
  return DateTime.fromJSDate(instant).setZone(ZONE).toFormat(WALL_CLOCK)
}

/** Alipay's Beijing wall-clock time as an instant; null when absent or malformed. */
export function fromBeijingTime(text: string | undefined): Date | null {
  if (!text) return null
  const parsed = DateTime.fromFormat(text.trim(), WALL_CLOCK, { zone: ZONE })
  return parsed.isValid ? parsed.toJSDate() : null
}
