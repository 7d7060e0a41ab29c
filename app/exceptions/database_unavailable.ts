/*
| Errors meaning PostgreSQL cannot be reached right now (restart, failover,
| network): the request is answered 503 with Retry-After instead of 500, so
| clients and load balancers retry later. The pools reconnect on their own.
*/

/** Socket errors, and SQLSTATE class 08 (connection) and 57P0x (server shutting down / starting). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
])

/** node-postgres and knex report a dropped or unobtainable connection without a code. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /is not queryable/i,
  /Timeout acquiring a connection/i,
]

export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, message, cause } = current as {
      code?: unknown
      message?: unknown
      cause?: unknown
    }
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true
    if (
      typeof message === 'string' &&
      CONNECTION_MESSAGES.some((pattern) => pattern.test(message))
    ) {
      return true
    }
    current = cause
  }
  return false
}
