/**
 * A key for one form submission: a double click or a resent request
 * carries the same key and the server acts on it once. Make a new one for
 * each new submission.
 */
export function newRequestKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
