import TenantContext from '#core/tenancy/tenant_context'
import type { H5Rider } from '#services/h5/h5_types'
import type { H5Message } from '#services/notifications/message_props'

/** Messages listed, newest first. */
const LISTED = 50

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
