import { DateTime } from 'luxon'
import { defineJob } from '#core/queue/job'
import { expireExports } from '#services/finance/exports/export_expiry'
import { createMonthlyStatements } from '#services/finance/exports/monthly_statements'

/** Deletes the files of exports past their keeping time; they show 已过期. */
export const expireExportsJob = defineJob<Record<string, never>>({
  name: 'exports.expire',
  queue: 'exports',
  handle() {
    return expireExports()
  },
})

/** On the 1st (Shanghai): last month's statement of every active project. `day` replays a date. */
export const monthlyStatementsJob = defineJob<{ day?: string }>({
  name: 'exports.monthly-statements',
  queue: 'exports',
  handle({ day }) {
    return createMonthlyStatements(
      day ? DateTime.fromISO(day, { zone: 'Asia/Shanghai' }) : DateTime.now()
    )
  },
})
