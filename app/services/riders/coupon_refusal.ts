import DomainRefusal from '#exceptions/domain_refusal'

export type CouponRefusalReason =
  | 'batchStopped'
  | 'batchEnded'
  | 'badDates'
  | 'notManual'
  | 'soldOut'
  | 'riderLimit'
  | 'unknownPhones'
  | 'projectNotAllowed'

/** A 优惠券 action refused; nothing was written. Messages: resources/lang/<locale>/coupons.json. */
export default class CouponRefusal extends DomainRefusal<CouponRefusalReason> {
  constructor(reason: CouponRefusalReason) {
    super('coupons', reason)
  }
}
