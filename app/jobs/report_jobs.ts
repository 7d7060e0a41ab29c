import { DateTime } from 'luxon'
import { defineJob } from '#core/queue/job'
import { expireExports } from '#services/finance/exports/export_expiry'
import {
  EXPIRE_EXPORTS,
  MONTHLY_STATEMENTS,
  type ExpireExportsPayload,
  type MonthlyStatementsPayload,
} from '#services/finance/exports/export_queue'
import { createMonthlyStatements } from '#services/finance/exports/monthly_statements'

export const expireExportsJob = defineJob<ExpireExportsPayload>({
  ...EXPIRE_EXPORTS,
  handle() {
    return expireExports()
  },
})

export const monthlyStatementsJob = defineJob<MonthlyStatementsPayload>({
  ...MONTHLY_STATEMENTS,
  handle({ day }) {
    return createMonthlyStatements(
      day ? DateTime.fromISO(day, { zone: 'Asia/Shanghai' }) : DateTime.now()
    )
  },
})
