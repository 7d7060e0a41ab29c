import { vine } from '#sdk/schema'
import { PaymentWebhookRejected } from '#sdk/contracts/payment'

/*
| The sandbox gateway's notifications, as gateway.ts sends them: a JSON
| object whose `event` names its shape.
|   payment.paid      out_trade_no, trade_no, merchant_id: strings;
|                     amount: integer fen (JSON number); paid_at: ISO 8601
|   refund.succeeded  out_trade_no, out_refund_no, refund_id, merchant_id:
|                     strings; amount: integer fen (JSON number)
| Nothing is converted: "1500", "0x5DC", 1500.5, -1 or 1e21 is a field of
| the wrong type, refused, never read as money.
*/

const ID = 'payment-sandbox'

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/

const realInstant = vine.createRule((value, _, field) => {
  if (typeof value === 'string' && Number.isNaN(Date.parse(value))) {
    field.report('The {{ field }} field must be a real instant', 'realInstant', field)
  }
})

const fen = () =>
  vine.number({ strict: true }).withoutDecimals().range([1, Number.MAX_SAFE_INTEGER])
const reference = () => vine.string().minLength(1).maxLength(64)

const envelope = vine.create({ event: vine.string().maxLength(64) })

const paymentPaid = vine.create({
  event: vine.literal('payment.paid'),
  out_trade_no: reference(),
  trade_no: reference(),
  amount: fen(),
  merchant_id: reference(),
  paid_at: vine.string().regex(ISO_INSTANT).use(realInstant()),
})

const refundSucceeded = vine.create({
  event: vine.literal('refund.succeeded'),
  out_trade_no: reference(),
  out_refund_no: reference(),
  refund_id: reference(),
  amount: fen(),
  merchant_id: reference(),
})

type Validator = typeof envelope | typeof paymentPaid | typeof refundSucceeded

async function fields<Schema extends Validator>(validator: Schema, body: unknown) {
  const [error, valid] = await validator.tryValidate(body)
  if (!error) return valid as Awaited<ReturnType<Schema['validate']>>
  const problems = (error.messages as { field: string; message: string }[])
    .map(({ field, message }) => `${field || 'body'}: ${message}`)
    .join('; ')
  throw new PaymentWebhookRejected(ID, `the notification is not as documented (${problems})`)
}

export type SandboxNotification =
  | Awaited<ReturnType<typeof paymentPaid.validate>>
  | Awaited<ReturnType<typeof refundSucceeded.validate>>

/** The notification's fields, of their documented types; null for an event the sandbox does not document. */
export async function readNotification(body: unknown): Promise<SandboxNotification | null> {
  const { event } = await fields(envelope, body)
  if (event === 'payment.paid') return fields(paymentPaid, body)
  if (event === 'refund.succeeded') return fields(refundSucceeded, body)
  return null
}
