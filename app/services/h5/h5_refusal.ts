import DomainRefusal from '#exceptions/domain_refusal'

/** A rider's H5 request refused; messages in resources/lang/<locale>/h5.json. */
export default class H5Refusal extends DomainRefusal<
  | 'nameRequired'
  | 'signInAgain'
  | 'amountAboveBalance'
  | 'refundPending'
  | 'requestNotPending'
  | 'sendLimited'
  | 'captchaRequired'
  | 'captchaInvalid'
  | 'tooManyWrongCodes'
> {
  constructor(reason: H5Refusal['reason']) {
    super('h5', reason)
  }
}
