import DomainRefusal from '#exceptions/domain_refusal'

export type CardRefusalReason =
  | 'invalidCardNo'
  | 'cardNotFound'
  | 'cardBound'
  | 'cardLost'
  | 'cardVoided'
  | 'cardNotBound'
  | 'cardNotLost'
  | 'cardInOtherProject'
  | 'sameCard'
  | 'riderNotFound'
  | 'riderFrozen'
  | 'projectNotFound'
  | 'feeRequired'
  | 'importNotXlsx'
  | 'importTooLarge'
  | 'importTooManyRows'
  | 'importCellTooLong'
  | 'importUnzipsTooLarge'
  | 'importEmpty'

/** A card change refused; nothing was written. Messages: resources/lang/<locale>/cards.json. */
export default class CardRefusal extends DomainRefusal<CardRefusalReason> {
  constructor(reason: CardRefusalReason) {
    super('cards', reason)
  }
}
