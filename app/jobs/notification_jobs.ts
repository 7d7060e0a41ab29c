import { defineJob } from '#core/queue/job'
import TenantContext from '#core/tenancy/tenant_context'
import NotificationDelivery from '#services/notifications/notification_delivery'
import {
  DELIVER_NOTIFICATION,
  type DeliverNotificationPayload,
} from '#services/notifications/notification_queue'

/* The notifications queue's handler; the job is declared in #services/notifications/notification_queue. */

export const deliverNotificationJob = defineJob<DeliverNotificationPayload>({
  ...DELIVER_NOTIFICATION,
  handle({ tenantId, notificationId }, { attempt }) {
    return new NotificationDelivery().deliver(
      TenantContext.forJob(tenantId),
      notificationId,
      attempt
    )
  },
})
