import DomainRefusal from '#exceptions/domain_refusal'

/** A rider's top-up from the phone refused; nothing was opened. Messages: resources/lang/<locale>/h5topup.json. */
export default class H5TopupRefusal extends DomainRefusal<
  'packageNotFound' | 'frozen' | 'tooManyOpen' | 'notOnPhone'
> {
  constructor(reason: H5TopupRefusal['reason']) {
    super('h5topup', reason)
  }
}
