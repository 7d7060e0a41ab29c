import logger from '@adonisjs/core/services/logger'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { ThrottledLog } from '#sdk/device_edge'
import type TenantContext from '#core/tenancy/tenant_context'

/** How long a setting's hourly counts are kept. */
const KEPT_DAYS = 90

/** One warning per setting per minute at most; the lines left out are counted into the next. */
const shared = new ThrottledLog(logger, 60_000)

/** What 配置 → 支付 shows of a setting's refused notifications. */
export type WebhookRefusalSummary = {
  lastHour: number
  lastDay: number
  /** ISO, UTC; null when none in the last day. */
  lastAt: string | null
  lastProblem: string | null
}

/**
 * Notifications refused before they could be trusted (bad signature,
 * unreadable body): anyone can send them, so each one only adds to its
 * setting's count for the hour (one row per setting and hour) and the log
 * gets a bounded number of lines. No audit record each: that would take the
 * tenant's audit-chain lock per forged request.
 */
export default class WebhookRefusals {
  constructor(protected log: Pick<ThrottledLog, 'warn'> = shared) {}

  async count(tenant: TenantContext, settingId: number, problem: string) {
    const total = await tenant.run(async (trx) => {
      const result = await trx.rawQuery(
        `INSERT INTO payment_webhook_refusals
           (tenant_id, tenant_plugin_id, window_start, count, last_problem, last_at)
         VALUES (?, ?, date_trunc('hour', now()), 1, ?, now())
         ON CONFLICT (tenant_plugin_id, window_start) DO UPDATE
           SET count = payment_webhook_refusals.count + 1,
               last_problem = EXCLUDED.last_problem,
               last_at = EXCLUDED.last_at
         RETURNING count`,
        [tenant.tenantId, settingId, problem.slice(0, 255)]
      )
      const count = Number(result.rows[0].count)
      // A new hour's row: the time to forget the oldest ones.
      if (count === 1) await this.#forgetOld(trx, settingId)
      return count
    })
    this.log.warn(
      `payment-webhook-refused:${settingId}`,
      { tenantId: tenant.tenantId, settingId, problem, countThisHour: total },
      'payment notification refused before it could be trusted'
    )
  }

  /** The counts of the last hour and day of each of `settingIds`. */
  async summaries(
    trx: TransactionClientContract,
    tenant: TenantContext,
    settingIds: number[]
  ): Promise<Map<number, WebhookRefusalSummary>> {
    const summaries = new Map<number, WebhookRefusalSummary>()
    if (!settingIds.length) return summaries
    const rows = await trx
      .from('payment_webhook_refusals')
      .where('tenant_id', tenant.tenantId)
      .whereIn('tenant_plugin_id', settingIds)
      .where('window_start', '>', trx.raw(`date_trunc('hour', now()) - interval '1 day'`))
      .orderBy('window_start', 'asc')
      .select('tenant_plugin_id', 'window_start', 'count', 'last_problem', 'last_at')
    const currentHour = new Date()
    currentHour.setUTCMinutes(0, 0, 0)
    for (const row of rows) {
      const id = Number(row.tenant_plugin_id)
      const summary = summaries.get(id) ?? {
        lastHour: 0,
        lastDay: 0,
        lastAt: null,
        lastProblem: null,
      }
      summary.lastDay += Number(row.count)
      if (new Date(row.window_start).getTime() >= currentHour.getTime()) {
        summary.lastHour += Number(row.count)
      }
      summary.lastAt = new Date(row.last_at).toISOString()
      summary.lastProblem = row.last_problem
      summaries.set(id, summary)
    }
    return summaries
  }

  #forgetOld(trx: TransactionClientContract, settingId: number) {
    return trx
      .from('payment_webhook_refusals')
      .where('tenant_plugin_id', settingId)
      .where('window_start', '<', trx.raw(`now() - interval '${KEPT_DAYS} days'`))
      .delete()
  }
}
