import DomainRefusal from '#exceptions/domain_refusal'

export type FinanceRefusalReason =
  | 'refundNotFailed'
  | 'refundNotDebited'
  | 'refundAlreadySettled'
  | 'settingNotFound'
  | 'billDateInFuture'

/** A 财务 action the rules refuse; nothing was written. Messages: resources/lang/<locale>/finance.json. */
export default class FinanceRefusal extends DomainRefusal<FinanceRefusalReason> {
  constructor(reason: FinanceRefusalReason) {
    super('finance', reason)
  }
}
