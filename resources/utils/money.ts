/**
 * Integer fen as the old system shows money: ¥, two decimals, minus after the
 * sign (¥-1.96). Integer arithmetic only, so no float ever rounds a fen.
 */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`Not a whole number of fen: ${fen}`)
  const magnitude = Math.abs(fen)
  const yuan = Math.trunc(magnitude / 100)
  const cents = String(magnitude % 100).padStart(2, '0')
  return `¥${fen < 0 ? '-' : ''}${yuan}.${cents}`
}

/**
 * A yuan amount as typed ("12.34", "50", "0.5") to integer fen (1234, 5000,
 * 50), read digit by digit so no float ever rounds a fen. Null for anything
 * else: signs, more than two decimals, empty input, or beyond safe integers.
 */
export function parseYuan(text: string): number | null {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim())
  if (!match) return null
  const fen = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}
