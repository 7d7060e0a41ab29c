import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/*
| The sandbox gateway signs like the real ones do, with a shared key:
| HMAC-SHA256 over `timestamp\nnonce\nbody\n`, in three headers. Both
| directions (our calls to it, its notifications to us) carry them.
*/
export const SIGNATURE_HEADERS = {
  timestamp: 'x-sandbox-timestamp',
  nonce: 'x-sandbox-nonce',
  signature: 'x-sandbox-signature',
} as const

/** Notifications older than this are refused (a replay from the past). */
export const MAX_SKEW_SECONDS = 300

function digest(key: string, timestamp: string, nonce: string, body: string) {
  return createHmac('sha256', key).update(`${timestamp}\n${nonce}\n${body}\n`).digest('base64')
}

export function sign(key: string, body: string, now = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000))
  const nonce = randomBytes(12).toString('hex')
  return {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: digest(key, timestamp, nonce, body),
  }
}

/** The problem with a signed message, or null when it is genuine and fresh. */
export function signatureProblem(
  key: string,
  headers: Record<string, string | undefined>,
  body: string,
  now = new Date()
): string | null {
  const timestamp = headers[SIGNATURE_HEADERS.timestamp]
  const nonce = headers[SIGNATURE_HEADERS.nonce]
  const signature = headers[SIGNATURE_HEADERS.signature]
  if (!timestamp || !nonce || !signature) return 'signature headers missing'
  if (!/^\d{10}$/.test(timestamp)) return 'malformed timestamp'
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return 'timestamp outside the allowed window'
  }
  const expected = Buffer.from(digest(key, timestamp, nonce, body))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return 'signature does not match'
  }
  return null
}
