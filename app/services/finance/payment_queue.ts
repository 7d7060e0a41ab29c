import app from '@adonisjs/core/services/app'
import { jobSpec, type JobSpec } from '#core/queue/job'
import type { PaymentWebhookEvent } from '#sdk/contracts/payment'

/*
| The jobs of the `payments` queue, declared beside the payment domain:
| their names and payloads, and how the domain queues them. The handlers
| (app/jobs/payment_jobs.ts) only call the domain, so nothing here imports them.
*/

/** A verified event as it travels to the worker: dates as ISO strings. */
type Queued<Event> = Event extends { paidAt: Date | null }
  ? Omit<Event, 'paidAt'> & { paidAt: string | null }
  : Event
export type QueuedPaymentEvent = Queued<PaymentWebhookEvent>

export type ApplyPaymentEventPayload = { tenantId: number; event: QueuedPaymentEvent }
export type SendRefundPayload = { tenantId: number; refundId: number }
export type FollowUpPaymentsPayload = { limit?: number; quietSeconds?: number }
export type ReconcilePaymentsPayload = { date?: string }

/** A verified notification: settle, close or finish a refund. Idempotent. */
export const APPLY_PAYMENT_EVENT = jobSpec<ApplyPaymentEventPayload>(
  'payments.apply-event',
  'payments'
)
/** Sends one refund to its provider; retried with backoff, keyed by the refund number. */
export const SEND_REFUND = jobSpec<SendRefundPayload>('payments.send-refund', 'payments')
/** Open orders and pending refunds followed up with their providers (scheduled). */
export const FOLLOW_UP_PAYMENTS = jobSpec<FollowUpPaymentsPayload>('payments.follow-up', 'payments')
/** Yesterday's bills matched against our records (scheduled). */
export const RECONCILE_PAYMENTS = jobSpec<ReconcilePaymentsPayload>(
  'payments.reconcile',
  'payments'
)

async function dispatch<Payload>(job: JobSpec<Payload>, payload: Payload) {
  const queue = await app.container.make('queue')
  await queue.dispatch(job, payload)
}

/** Queues a verified notification for the worker. */
export function dispatchPaymentEvent(tenantId: number, event: PaymentWebhookEvent) {
  const queued: QueuedPaymentEvent =
    event.kind === 'payment' ? { ...event, paidAt: event.paidAt?.toISOString() ?? null } : event
  return dispatch<ApplyPaymentEventPayload>(APPLY_PAYMENT_EVENT, { tenantId, event: queued })
}

/** Queues refunds recorded in a transaction that has committed. */
export async function dispatchRefunds(tenantId: number, refundIds: number[]) {
  for (const refundId of refundIds) {
    await dispatch<SendRefundPayload>(SEND_REFUND, { tenantId, refundId })
  }
}
