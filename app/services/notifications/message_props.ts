import type { NoticeKind } from '#sdk/contracts/notify'
import type { NotificationChannel, NotificationStatus } from '#models/rider_notification'

/*
 * The rider H5's 消息 page: what the service returns and the page imports
 * (types only). Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

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
