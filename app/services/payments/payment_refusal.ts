import DomainRefusal from '#exceptions/domain_refusal'

export type PaymentRefusalReason =
  | 'noProvider'
  | 'providerFailed'
  | 'riderNotFound'
  | 'riderFrozen'
  | 'projectNotAllowed'
  | 'paymentNotFound'
  | 'notRefundable'
  | 'refundExceedsChannel'

/** A payment the rules refuse; nothing was written. Messages: resources/lang/<locale>/payments.json. */
export default class PaymentRefusal extends DomainRefusal<PaymentRefusalReason> {
  constructor(reason: PaymentRefusalReason) {
    super('payments', reason)
  }
}
