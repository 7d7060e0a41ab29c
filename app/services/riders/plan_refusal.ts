import DomainRefusal from '#exceptions/domain_refusal'

export type PlanRefusalReason =
  | 'projectNotFound'
  | 'planNotFound'
  | 'priceAboveCap'
  | 'riderNotFound'
  | 'riderFrozen'
  | 'tooManyPlans'
  | 'planInUse'
  | 'planExpired'
  | 'keyReused'
  | 'priceChanged'
  | 'noPayment'

/** A plan change, purchase or refund refused; nothing was written. Messages: resources/lang/<locale>/plans.json. */
export default class PlanRefusal extends DomainRefusal<PlanRefusalReason> {
  constructor(reason: PlanRefusalReason) {
    super('plans', reason)
  }
}
