import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'

/** How long a readiness probe waits for the database before it says no. */
const DATABASE_TIMEOUT_MS = 3000

export default class HealthController {
  /**
   * Readiness for load balancers and drills: 200 when the database answers,
   * 503 while it does not (restart, failover), so traffic is held back
   * instead of meeting 500s. /healthz stays a liveness probe without I/O.
   */
  async ready({ response }: HttpContext) {
    try {
      await db.connection().rawQuery('SELECT 1').timeout(DATABASE_TIMEOUT_MS)
      return { ok: true }
    } catch {
      return response.serviceUnavailable({ ok: false, database: 'unavailable' })
    }
  }
}
