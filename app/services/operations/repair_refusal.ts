import DomainRefusal from '#exceptions/domain_refusal'

export type RepairRefusalReason =
  'tooManyOpen' | 'alreadyReported' | 'ticketClosed' | 'assigneeNotFound'

/** A 报修 action refused; nothing was written. Messages: resources/lang/<locale>/repairs.json. */
export default class RepairRefusal extends DomainRefusal<RepairRefusalReason> {
  constructor(reason: RepairRefusalReason) {
    super('repairs', reason)
  }
}
