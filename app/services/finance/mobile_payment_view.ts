import type { MobilePaymentCreated } from '#sdk/contracts/payment'

/**
 * What the rider's page receives of a mobile payment: the provider's result
 * without its raw answer, mode by mode (Omit over the union as a whole would
 * keep only `mode`). Types only, so pages may import it.
 */
export type MobilePaymentView = MobilePaymentCreated extends infer Each
  ? Each extends unknown
    ? Omit<Each, 'raw'>
    : never
  : never
