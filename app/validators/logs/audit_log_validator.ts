import vine from '@vinejs/vine'

// Calendar days, read in Asia/Shanghai by the query (not as server-local dates).
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** Filters and paging of the operation and login logs (query string). */
export const auditLogFilterValidator = vine.create({
  from: day().optional(),
  to: day().optional(),
  action: vine.string().trim().maxLength(64).optional(),
  account: vine.string().trim().maxLength(64).optional(),
  result: vine.enum(['success', 'failure']).optional(),
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
})
