import { vine } from '#sdk/schema'
import { PaymentWebhookRejected } from '#sdk/contracts/payment'
import { fromBeijingTime, yuanToFen } from './amount.js'

/*
| Alipay's asynchronous notification (异步通知, trade_status_sync) as its
| page documents the fields: every one a form string, in a documented
| format. total_amount is yuan with at most two decimals in [0.01,
| 100000000], with no sign, spaces, exponent or leading zeros: "20",
| "20.5" and "20.00" are amounts, " 20.00", "+20", "2e1", "0x14" and
| "20.001" are not, so no spelling of a string can be read as other money.
*/

const ID = 'payment-alipay'

export const TRADE_STATUSES = [
  'WAIT_BUYER_PAY',
  'TRADE_CLOSED',
  'TRADE_SUCCESS',
  'TRADE_FINISHED',
] as const

const YUAN = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/
const MAX_FEN = 10_000_000_000

const yuanInRange = vine.createRule((value, _, field) => {
  if (typeof value !== 'string') return
  const fen = yuanToFen(value)
  if (fen === null || fen < 1 || fen > MAX_FEN) {
    field.report('The {{ field }} field must be between 0.01 and 100000000 yuan', 'yuan', field)
  }
})

const beijingTime = vine.createRule((value, _, field) => {
  if (typeof value === 'string' && !fromBeijingTime(value)) {
    field.report('The {{ field }} field must be a Beijing time yyyy-MM-dd HH:mm:ss', 'time', field)
  }
})

const id = (maxLength: number) => vine.string().minLength(1).maxLength(maxLength)

const kind = vine.create({ notify_type: vine.string().maxLength(64) })

const trade = vine.create({
  app_id: id(32),
  seller_id: id(30).optional(),
  out_trade_no: id(64),
  trade_no: id(64),
  trade_status: vine.enum(TRADE_STATUSES),
  total_amount: vine
    .string()
    .regex(YUAN)
    .use(yuanInRange())
    .transform((text) => yuanToFen(text)!),
  gmt_payment: vine
    .string()
    .use(beijingTime())
    .transform((text) => fromBeijingTime(text)!)
    .optional(),
})

type Validator = typeof kind | typeof trade

async function documented<Schema extends Validator>(validator: Schema, params: unknown) {
  const [error, valid] = await validator.tryValidate(params)
  if (!error) return valid as Awaited<ReturnType<Schema['validate']>>
  const problems = (error.messages as { field: string; message: string }[])
    .map(({ field, message }) => `${field || 'body'}: ${message}`)
    .join('; ')
  throw new PaymentWebhookRejected(ID, `the notification is not as documented (${problems})`)
}

export type DocumentedTrade = Awaited<ReturnType<typeof trade.validate>>

/**
 * The fields of a verified trade_status_sync notification, of their documented
 * formats (total_amount as fen); null for other notify types.
 */
export async function readNotification(
  params: Record<string, string>
): Promise<DocumentedTrade | null> {
  const { notify_type: type } = await documented(kind, params)
  if (type !== 'trade_status_sync') return null
  return documented(trade, params)
}
