import DomainRefusal from '#exceptions/domain_refusal'

export type OwnerRefusalReason =
  'ownerNameTaken' | 'shareNeedsOwner' | 'periodsOverlap' | 'notYourOwner' | 'staffNotFound'

/** An owner change or statement refused; nothing was written. Messages: resources/lang/<locale>/owners.json. */
export default class OwnerRefusal extends DomainRefusal<OwnerRefusalReason> {
  constructor(reason: OwnerRefusalReason) {
    super('owners', reason)
  }
}
