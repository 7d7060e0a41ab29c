import vine from '@vinejs/vine'
import { RIDER_SORT_KEYS } from '#services/riders/rider_service'

const phone = () =>
  vine
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/)
const code = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{6}$/)
const name = () => vine.string().trim().minLength(1).maxLength(64)
// Calendar days, read in Asia/Shanghai by the query.
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** Filters, paging and sorting of the rider list (query string). */
export const riderListValidator = vine.create({
  name: vine.string().trim().maxLength(64).optional(),
  phone: vine
    .string()
    .trim()
    .regex(/^\d{1,11}$/)
    .optional(),
  status: vine.enum(['normal', 'frozen'] as const).optional(),
  from: day().optional(),
  to: day().optional(),
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
  perPage: vine.number().in([10, 20, 50, 100]).optional(),
  sortBy: vine.enum(RIDER_SORT_KEYS).optional(),
  sortOrder: vine.enum(['asc', 'desc'] as const).optional(),
})

export const openAccountValidator = vine.create({ phone: phone(), code: code(), name: name() })

export const updateRiderValidator = vine.create({ name: name() })

export const changePhoneValidator = vine.create({ phone: phone(), code: code() })

export const riderStatusValidator = vine.create({
  ids: vine.array(vine.number().withoutDecimals().positive()).minLength(1).maxLength(500),
  status: vine.enum(['normal', 'frozen'] as const),
})

export const smsCodeValidator = vine.create({
  phone: phone(),
  purpose: vine.enum(['open_account', 'change_phone'] as const),
})
