import type { NoticeKind } from '#sdk/contracts/notify'
import TenantContext from '#core/tenancy/tenant_context'
import type { NotificationChannel, NotificationStatus } from '#models/rider_notification'
import type { H5Rider } from '#services/h5/h5_types'

/** Messages listed, newest first. */
const LISTED = 50

/** A message as the rider's 消息 page lists it. Type alias: Inertia props are plain JSON. */
export type H5Message = {
  id: number
  kind: NoticeKind
  channel: NotificationChannel
  status: NotificationStatus
  orderNo: string
  fields: Record<string, string | number>
  createdAt: string
  sentAt: string | null
}

export type H5MessagesPageProps = { messages: H5Message[] }

/** 消息: the messages sent to the signed-in rider, in the rider's tenant only. */
export default class RiderMessages {
  mine(rider: H5Rider): Promise<H5Message[]> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const rows = await trx
        .from('rider_notifications')
        .where({ tenant_id: rider.tenantId, rider_id: rider.riderId })
        // Messages held back by the hourly bound never reached the rider.
        .where((scope) => scope.whereNull('error_code').orWhereNot('error_code', 'rate_limited'))
        .orderBy('id', 'desc')
        .limit(LISTED)
      return rows.map((row) => ({
        id: Number(row.id),
        kind: row.kind,
        channel: row.channel,
        status: row.status,
        orderNo: row.order_no,
        fields: row.fields,
        createdAt: row.created_at.toISOString(),
        sentAt: row.sent_at?.toISOString() ?? null,
      }))
    })
  }
}
