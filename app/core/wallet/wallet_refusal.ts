import DomainRefusal from '#exceptions/domain_refusal'

export type WalletRefusalReason =
  | 'riderNotFound'
  | 'riderFrozen'
  | 'projectNotFound'
  | 'projectNotAllowed'
  | 'operatorRequired'
  | 'insufficientBalance'
  | 'refundExceedsBalance'
  | 'entryNotFound'
  | 'correctionOfCorrection'
  | 'correctionExceedsBalance'
  | 'keyReused'

/** A posting the wallet rules refuse; nothing was written. Messages: resources/lang/<locale>/wallet.json. */
export default class WalletRefusal extends DomainRefusal<WalletRefusalReason> {
  constructor(reason: WalletRefusalReason) {
    super('wallet', reason)
  }
}
