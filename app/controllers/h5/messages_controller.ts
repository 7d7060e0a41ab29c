import type { HttpContext } from '@adonisjs/core/http'
import RiderMessages from '#services/notifications/rider_messages'
import type { H5MessagesPageProps } from '#services/notifications/message_props'
import { readH5Rider, renderH5SignedOut } from '#controllers/h5/h5_session'

/** 消息: what the rider was told by WeChat or SMS (charges, bills, low balance). */
export default class MessagesController {
  protected messages = new RiderMessages()

  async index(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    return ctx.inertia.render('h5/messages', {
      messages: await this.messages.mine(rider),
    } satisfies H5MessagesPageProps)
  }
}
