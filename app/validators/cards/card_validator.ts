import vine from '@vinejs/vine'
import { CARD_STATUSES } from '#models/card'

// Typed as printed, with spaces or dashes; CardService normalises and checks the format.
const cardNo = () => vine.string().trim().minLength(1).maxLength(32)
const paging = {
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
  perPage: vine.number().in([10, 20, 50, 100]).optional(),
}

/** 卡片: search by number (any part), state and project (query string). */
export const cardInventoryValidator = vine.create({
  cardNo: vine.string().trim().maxLength(32).optional(),
  status: vine.enum(CARD_STATUSES).optional(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
  ...paging,
})

/** 用卡管理: the same, and the rider's phone (from its start). */
export const boundCardsValidator = vine.create({
  cardNo: vine.string().trim().maxLength(32).optional(),
  status: vine.enum(CARD_STATUSES).optional(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
  phone: vine
    .string()
    .trim()
    .regex(/^\d{1,11}$/)
    .optional(),
  ...paging,
})

/** Cards imported into a project's stock (the file itself is checked by the controller). */
export const cardImportValidator = vine.create({
  projectId: vine.number().withoutDecimals().min(1),
})

/** The 开卡 page's lookup (query string): all optional until 查询. */
export const issueLookupValidator = vine.create({
  cardNo: vine.string().trim().maxLength(32).optional(),
  phone: vine.string().trim().maxLength(20).optional(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
})

/** 开卡 confirmed: the rider agreed that the card fee is not refundable. */
export const issueCardValidator = vine.create({
  cardNo: cardNo(),
  phone: vine
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/),
  projectId: vine.number({ strict: true }).withoutDecimals().min(1),
  feeAccepted: vine.accepted(),
  // One per confirmation: a double click opens one fee payment.
  idempotencyKey: vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{16,64}$/),
})

/** 换卡: the new card's number, from the old card's project stock. */
export const replaceCardValidator = vine.create({ newCardNo: cardNo() })
