import heartbeatJob from '#jobs/heartbeat_job'
import { offlineSweepJob } from '#jobs/device_jobs'
import { chargingWatchdogJob } from '#jobs/charging_jobs'
import { exportJob } from '#jobs/export_jobs'
import { deliverNotificationJob } from '#jobs/notification_jobs'
import { expireExportsJob, monthlyStatementsJob } from '#jobs/report_jobs'
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
  offlineSweepJob,
  chargingWatchdogJob,
  exportJob,
  expireExportsJob,
  monthlyStatementsJob,
  deliverNotificationJob,
]
