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
