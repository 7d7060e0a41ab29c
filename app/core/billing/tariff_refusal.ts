import DomainRefusal from '#exceptions/domain_refusal'

export type TariffRefusalReason = 'projectNotFound'

/**
 * A tariff read or save refused; nothing was written. The message is the
 * charging one (resources/lang/<locale>/charging.json), as tariffs are
 * charging's prices.
 */
export default class TariffRefusal extends DomainRefusal<TariffRefusalReason> {
  constructor(reason: TariffRefusalReason) {
    super('charging', reason)
  }
}
