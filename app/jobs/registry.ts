import heartbeatJob from '#jobs/heartbeat_job'
import {
  applyPaymentEventJob,
  followUpPaymentsJob,
  reconcilePaymentsJob,
  sendRefundJob,
} from '#jobs/payment_jobs'

/** Every job the worker process runs. */
export const jobs = [
  heartbeatJob,
  applyPaymentEventJob,
  sendRefundJob,
  followUpPaymentsJob,
  reconcilePaymentsJob,
]
