import vine from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'
import { LEDGER_DETAIL_TYPES } from '#models/ledger_entry'

// Calendar days, read in Asia/Shanghai by the query (not as server-local dates).
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

const entryId = () => vine.number().withoutDecimals().min(1)

/** Filters and keyset paging of the 账户流水 page (query string). */
export const ledgerFilterValidator = vine.create({
  name: vine.string().trim().maxLength(64).optional(),
  phone: vine.string().trim().maxLength(20).optional(),
  entryNo: vine.string().trim().maxLength(40).optional(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
  detailType: vine.enum(LEDGER_DETAIL_TYPES).optional(),
  from: day().optional(),
  to: day().optional(),
  // The page after the entry `before`, or the page before the entry `after`.
  before: entryId().optional(),
  after: entryId().optional(),
})

export type LedgerFilters = Infer<typeof ledgerFilterValidator>
