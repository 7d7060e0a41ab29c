import db from '@adonisjs/lucid/services/db'
import type { Job } from 'bullmq'
import type QueueManager from '#core/queue/queue_manager'
import type { SentNotification } from '#sdk/testing/payment_contract'
import { eventually } from '#tests/functional/payments/helpers'

/*
| What the scale-out drills read of the job queues: which scheduler ran at
| which due time and where, and a burst of payment notifications whose
| credits a test can hold back (by locking the rider's wallet) so workers
| are caught mid-job.
*/

/** The queue of each scheduler the worker role upserts. */
export const SCHEDULER_QUEUES: Record<string, string> = {
  'payments-follow-up': 'payments',
  'devices-offline-sweep': 'devices',
  'charging-watchdog': 'charging',
  'payments-reconcile': 'payments',
  'exports-expire': 'exports',
  'exports-monthly-statements': 'exports',
}

/** The schedulers a test can make run every few seconds through worker flags. */
export const EVERY_FLAGS: Record<string, string> = {
  'payments-follow-up': '--payments-every',
  'devices-offline-sweep': '--offline-sweep-every',
  'charging-watchdog': '--charging-watchdog-every',
}

/** A scheduler's runs that finished since `since`, by due time (the job id's suffix). */
export async function schedulerRuns(queue: QueueManager, schedulerId: string, since: number) {
  const jobs = await queue
    .queue(SCHEDULER_QUEUES[schedulerId])
    .getJobs(['completed', 'failed'], 0, -1)
  return jobs
    .filter((job) => job.repeatJobKey === schedulerId && job.timestamp >= since)
    .map((job) => ({ due: Number(job.id!.split(':').at(-1)), by: job.processedBy }))
    .sort((a, b) => a.due - b.due)
}

/** Every scheduler once, by id, in the whole cluster. */
export async function schedulersOf(queue: QueueManager) {
  const found: { id: string; every: number }[] = []
  for (const name of new Set(Object.values(SCHEDULER_QUEUES))) {
    for (const scheduler of await queue.queue(name).getJobSchedulers()) {
      found.push({ id: scheduler.key, every: Number(scheduler.every) })
    }
  }
  return found
}

/**
 * Posts each notification as the provider would; with `origins`, to those
 * web processes in turn instead of the URL's own.
 */
export function deliverNotifications(notifications: SentNotification[], origins: string[] = []) {
  return Promise.all(
    notifications.map((notification, index) => {
      const url = new URL(notification.url)
      const target = origins.length
        ? new URL(url.pathname + url.search, origins[index % origins.length])
        : url
      return fetch(target, {
        method: 'POST',
        headers: notification.headers,
        body: notification.rawBody,
      }).then((answer) => answer.status)
    })
  )
}

/** Payment orders of a tenant paid so far. */
export function paidCount(tenantId: number) {
  return db
    .connection('owner')
    .from('payment_orders')
    .where({ tenant_id: tenantId, status: 'paid' })
    .count('* as n')
    .first()
    .then((row) => Number(row.n))
}

/**
 * Locks the rider's wallet until the returned transaction is rolled back:
 * each credit waits for the lock, so workers stay busy holding their jobs.
 * The wallet must exist (the first credit creates it): there is no row to
 * lock before.
 */
export async function holdWallet(riderId: number) {
  const hold = await db.connection('owner').transaction()
  const locked = await hold.from('wallets').where('rider_id', riderId).forUpdate().select('id')
  if (locked.length === 0) {
    await hold.rollback()
    throw new Error(`rider ${riderId} has no wallet yet: credit one payment before holding it`)
  }
  return hold
}

/** Resolves once `count` payment credits are being processed (held by a lock), with their jobs. */
export function activePaymentJobs(queue: QueueManager, count: number): Promise<Job[]> {
  const applying = async () => {
    const jobs = await queue.queue('payments').getActive()
    return jobs.filter((job) => job.name === 'payments.apply-event')
  }
  return eventually(applying, (jobs) => jobs.length === count, 60_000)
}
