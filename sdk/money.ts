/**
 * Fen as yuan text with two decimals ("50.00", "-1.96"): what a plugin shows
 * a payer, and the server's own text (payment descriptions, refusal
 * messages, PDF reports), so both write money alike. Money is integer fen
 * everywhere; integer arithmetic only. The admin formats with
 * resources/utils/money.ts (frontend code stays apart).
 */
export function formatYuan(fen: number): string {
  const magnitude = Math.abs(fen)
  return `${fen < 0 ? '-' : ''}${Math.trunc(magnitude / 100)}.${String(magnitude % 100).padStart(2, '0')}`
}
