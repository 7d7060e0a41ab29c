/**
 * Decodes a provider's signature only when `text` is canonical base64.
 * Node's base64 decoding skips stray characters and ignores missing or extra
 * padding, so one signed message could otherwise arrive in many spellings
 * (a replay dodging a check keyed on the raw text). Null when not canonical.
 */
export function canonicalBase64(text: string): Buffer | null {
  const decoded = Buffer.from(text, 'base64')
  return decoded.toString('base64') === text ? decoded : null
}
