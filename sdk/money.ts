/**
 * Fen as yuan text with two decimals ("50.00", "-1.96"), for what a plugin
 * shows a payer. Money is integer fen everywhere; integer arithmetic only.
 */
export function formatYuan(fen: number): string {
  const magnitude = Math.abs(fen)
  return `${fen < 0 ? '-' : ''}${Math.trunc(magnitude / 100)}.${String(magnitude % 100).padStart(2, '0')}`
}
