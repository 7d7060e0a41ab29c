import vine from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'

// Calendar days, read in Asia/Shanghai by the summary (not as server-local dates).
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** 财务 → 汇总: the period, its granularity and a project (query string). */
export const financeSummaryValidator = vine.create({
  from: day().optional(),
  to: day().optional(),
  granularity: vine.enum(['day', 'month'] as const).optional(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
})

export type FinanceSummaryFilters = Infer<typeof financeSummaryValidator>
