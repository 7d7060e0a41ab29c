import DomainRefusal from '#exceptions/domain_refusal'

export type TopupRefusalReason = 'projectNotFound' | 'packageNotFound'

/** A top-up or package change refused; nothing was written. Messages: resources/lang/<locale>/topup.json. */
export default class TopupRefusal extends DomainRefusal<TopupRefusalReason> {
  constructor(reason: TopupRefusalReason) {
    super('topup', reason)
  }
}
