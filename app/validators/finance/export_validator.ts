import vine from '@vinejs/vine'

// Calendar days, read in Asia/Shanghai by the reports.
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** Starting an export: the format; the list's filters are validated by the list's own validator. */
export const exportStartValidator = vine.create({
  format: vine.enum(['xlsx', 'pdf'] as const),
})

export const exportIdValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().min(1) }),
})

/** 月度汇总: a period (a month: its first and last day) of the tenant or one project. */
export const monthlyReportValidator = vine.create({
  from: day(),
  to: day(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
})
