import DomainRefusal from '#exceptions/domain_refusal'

export type ChargingRefusalReason =
  | 'pileNotFound'
  | 'pileDisabled'
  | 'pileOffline'
  | 'portNotFound'
  | 'portBusy'
  | 'portFault'
  | 'portDisabled'
  | 'riderNotFound'
  | 'riderFrozen'
  | 'insufficientBalance'
  | 'orderNotFound'
  | 'orderNotOpen'
  | 'orderNotAbnormal'
  | 'orderNotSettled'
  | 'noRider'
  | 'amountAboveCap'
  | 'projectNotFound'

/** A charging action refused; nothing was written. Messages: resources/lang/<locale>/charging.json. */
export default class ChargingRefusal extends DomainRefusal<ChargingRefusalReason> {
  constructor(reason: ChargingRefusalReason) {
    super('charging', reason)
  }
}
