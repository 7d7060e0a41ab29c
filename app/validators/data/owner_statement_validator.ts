import vine from '@vinejs/vine'

// A Shanghai calendar month, 2020 onward.
const month = () =>
  vine
    .string()
    .trim()
    .regex(/^20\d{2}-(0[1-9]|1[0-2])$/)

/** 业主对账单: one owner and one month (an owner account may name only its own owner). */
export const ownerStatementValidator = vine.create({
  ownerId: vine.number().withoutDecimals().min(1),
  month: month(),
})

/** The 业主对账 page: a month, and for staff who are not an owner account, optionally an owner. */
export const ownerStatementPageValidator = vine.create({
  ownerId: vine.number().withoutDecimals().min(1).optional(),
  month: month().optional(),
})
