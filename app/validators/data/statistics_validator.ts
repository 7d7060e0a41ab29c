import vine from '@vinejs/vine'
import { DateTime } from 'luxon'
import { CHARTS } from '#services/data/chart_tables'

/** The longest range 数据 aggregates at once: a year, leap day included. */
export const MAX_RANGE_DAYS = 366

// Calendar days, read in Asia/Shanghai by the queries (not as server-local dates).
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** `to` is a real day, not before `from`, and the range spans at most MAX_RANGE_DAYS days. */
const withinRange = vine.createRule((value, _, field) => {
  if (typeof value !== 'string') return
  const to = DateTime.fromISO(value, { zone: 'utc' })
  const fromText = field.parent.from
  const from = typeof fromText === 'string' ? DateTime.fromISO(fromText, { zone: 'utc' }) : null
  if (!to.isValid || (from !== null && !from.isValid)) {
    field.report('{field} is not a date', 'regex', field)
    return
  }
  if (from === null) return
  const days = to.diff(from, 'days').days + 1
  if (days < 1 || days > MAX_RANGE_DAYS) {
    field.report('The range must span 1 to {max} days', 'statisticsRange', field, {
      max: MAX_RANGE_DAYS,
    })
  }
})

const id = () => vine.number().withoutDecimals().min(1)

/** 数据: the range of Shanghai days and the filters (query string). */
export const statisticsValidator = vine.create({
  // Both days or neither (the last 30 days).
  from: day().optional().requiredIfExists('to'),
  to: day().use(withinRange()).optional().requiredIfExists('from'),
  projectId: id().optional(),
  stationId: id().optional(),
  vendorId: id().optional(),
})

/** The chart of an export: the last part of its route's path (/data/export/<chart>). */
export const chartValidator = vine.create({ chart: vine.enum(CHARTS) })
