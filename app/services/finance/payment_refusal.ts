import logger from '@adonisjs/core/services/logger'
import DomainRefusal from '#exceptions/domain_refusal'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { PaymentModeUnsupported } from '#sdk/contracts/payment'

export type PaymentRefusalReason =
  | 'noProvider'
  | 'modeUnsupported'
  | 'providerFailed'
  | 'riderNotFound'
  | 'riderFrozen'
  | 'projectNotAllowed'
  | 'paymentNotFound'
  | 'notRefundable'
  | 'refundExceedsChannel'

/** A payment the rules refuse; nothing was written. Messages: resources/lang/<locale>/payments.json. */
export default class PaymentRefusal extends DomainRefusal<PaymentRefusalReason> {
  constructor(reason: PaymentRefusalReason) {
    super('payments', reason)
  }
}

/**
 * What pages may show of a provider's failure: its code, never its own text
 * (a provider's or a proxy's body could carry anything); the whole error
 * goes to the log.
 */
export function providerFailure(error: unknown, context: Record<string, unknown>) {
  logger.warn({ ...context, err: error }, 'payment provider call failed')
  if (error instanceof PluginProviderError) {
    return `${error.pluginId} ${error.providerCode}`.slice(0, 255)
  }
  if (error instanceof PaymentModeUnsupported) return `${error.pluginId} mode ${error.mode}`
  return 'internal error'
}
