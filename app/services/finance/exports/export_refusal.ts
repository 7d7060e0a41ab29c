import DomainRefusal from '#exceptions/domain_refusal'

export type ExportRefusalReason =
  'projectNotAllowed' | 'notFailed' | 'notReady' | 'expired' | 'invalidPeriod'

/** An export the rules refuse; nothing was written. Messages: resources/lang/<locale>/exports.json. */
export default class ExportRefusal extends DomainRefusal<ExportRefusalReason> {
  constructor(reason: ExportRefusalReason) {
    super('exports', reason)
  }
}
