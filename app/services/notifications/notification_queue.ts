import app from '@adonisjs/core/services/app'
import { jobSpec } from '#core/queue/job'

/*
| The job of the `notifications` queue, declared beside its domain; the
| handler (app/jobs/notification_jobs.ts) only calls RiderNotifications.
*/

export type DeliverNotificationPayload = { tenantId: number; notificationId: number }

/** Tries per message: a provider failing this often marks it failed with its error code. */
export const NOTIFY_ATTEMPTS = 4

/** Sends one recorded message to its rider; retried with backoff. */
export const DELIVER_NOTIFICATION = jobSpec<DeliverNotificationPayload>(
  'notifications.deliver',
  'notifications'
)

/**
 * Queues messages recorded in a transaction that has committed. Only a
 * newly recorded message is queued, so each is queued once.
 */
export async function dispatchNotifications(tenantId: number, notificationIds: number[]) {
  if (!notificationIds.length) return
  const queue = await app.container.make('queue')
  for (const notificationId of notificationIds) {
    await queue.dispatch<DeliverNotificationPayload>(
      DELIVER_NOTIFICATION,
      { tenantId, notificationId },
      {
        attempts: NOTIFY_ATTEMPTS,
        backoff: { type: 'exponential', delay: 5000 },
      }
    )
  }
}
