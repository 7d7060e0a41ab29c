import { vine } from '#sdk/schema'
import { PaymentWebhookRejected } from '#sdk/contracts/payment'
import { PLUGIN_ID } from './client.js'

/*
| WeChat Pay API v3 notifications, field by field as its 支付通知 and 退款结果通知
| pages document them: the envelope (event_type, resource), then the
| decrypted resource JSON. Amounts are integer fen (JSON numbers), ids and
| times strings, states one of the documented values. Nothing is converted:
| a "1500", "0x5DC", 1500.5, -1 or 1e21 is a field of the wrong type,
| refused, never read as money.
*/

export const TRADE_STATES = [
  'SUCCESS',
  'REFUND',
  'NOTPAY',
  'CLOSED',
  'REVOKED',
  'USERPAYING',
  'PAYERROR',
] as const

/** What each refund event says about the refund, as its `refund_status` must repeat. */
export const REFUND_EVENTS = {
  'REFUND.SUCCESS': 'SUCCESS',
  'REFUND.ABNORMAL': 'ABNORMAL',
  'REFUND.CLOSED': 'CLOSED',
} as const

/** `2018-06-08T10:34:56+08:00`, RFC 3339 with an offset, as WeChat Pay writes times. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/

const realInstant = vine.createRule((value, _, field) => {
  if (typeof value === 'string' && Number.isNaN(Date.parse(value))) {
    field.report('The {{ field }} field must be a real instant', 'realInstant', field)
  }
})

const fen = () =>
  vine.number({ strict: true }).withoutDecimals().range([1, Number.MAX_SAFE_INTEGER])
const fenOrZero = () =>
  vine.number({ strict: true }).withoutDecimals().range([0, Number.MAX_SAFE_INTEGER])
const id = (maxLength: number) => vine.string().minLength(1).maxLength(maxLength)
const time = () => vine.string().regex(RFC3339).use(realInstant())

const envelope = vine.create({
  event_type: vine.string().maxLength(64),
  resource: vine.object({
    algorithm: vine.string(),
    ciphertext: vine.string(),
    associated_data: vine.string().optional(),
    nonce: vine.string(),
    original_type: vine.string().optional(),
  }),
})

const transactionState = vine.create({ trade_state: vine.enum(TRADE_STATES) })

const paidTransaction = vine.create({
  appid: id(32),
  mchid: id(32),
  out_trade_no: id(32),
  transaction_id: id(32),
  trade_state: vine.literal('SUCCESS'),
  success_time: time(),
  amount: vine.object({
    total: fen(),
    payer_total: fenOrZero().optional(),
    currency: vine.literal('CNY').optional(),
  }),
})

const refund = vine.create({
  mchid: id(32),
  out_trade_no: id(32),
  transaction_id: id(32).optional(),
  out_refund_no: id(64),
  refund_id: id(32),
  refund_status: vine.enum(Object.values(REFUND_EVENTS)),
  success_time: time().optional(),
  amount: vine.object({
    total: fen(),
    refund: fen(),
    payer_total: fenOrZero().optional(),
    payer_refund: fenOrZero().optional(),
  }),
})

type Validator = typeof envelope | typeof transactionState | typeof paidTransaction | typeof refund

/** The fields of `data` as `validator` documents them, or a rejection naming each problem. */
async function documented<Schema extends Validator>(
  validator: Schema,
  data: unknown,
  what: string
) {
  const [error, valid] = await validator.tryValidate(data)
  if (!error) return valid as Awaited<ReturnType<Schema['validate']>>
  const problems = (error.messages as { field: string; message: string }[])
    .map(({ field, message }) => `${field || what}: ${message}`)
    .join('; ')
  throw new PaymentWebhookRejected(PLUGIN_ID, `the ${what} is not as documented (${problems})`)
}

/** The notification as posted: its event and the encrypted resource. */
export function readEnvelope(body: unknown) {
  return documented(envelope, body, 'notification')
}

export type DocumentedResource =
  | { kind: 'payment'; fields: Awaited<ReturnType<typeof paidTransaction.validate>> }
  | {
      kind: 'refund'
      event: keyof typeof REFUND_EVENTS
      fields: Awaited<ReturnType<typeof refund.validate>>
    }

/**
 * The decrypted resource of `eventType`, of its documented types; null for
 * an event the core does not act on (other events, a payment not successful).
 */
export async function readResource(
  eventType: string,
  resource: unknown
): Promise<DocumentedResource | null> {
  if (eventType === 'TRANSACTION.SUCCESS') {
    const { trade_state: state } = await documented(transactionState, resource, 'resource')
    if (state !== 'SUCCESS') return null
    return { kind: 'payment', fields: await documented(paidTransaction, resource, 'resource') }
  }
  if (!Object.hasOwn(REFUND_EVENTS, eventType)) return null
  const event = eventType as keyof typeof REFUND_EVENTS
  const fields = await documented(refund, resource, 'resource')
  if (fields.refund_status !== REFUND_EVENTS[event]) {
    throw new PaymentWebhookRejected(
      PLUGIN_ID,
      `refund_status ${fields.refund_status} contradicts the event ${event}`
    )
  }
  return { kind: 'refund', event, fields }
}
