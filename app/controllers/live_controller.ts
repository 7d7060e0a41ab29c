import type { HttpContext } from '@adonisjs/core/http'
import transmit from '@adonisjs/transmit/services/main'
import { isLiveChannel } from '#core/live/live_channels'

/**
 * Subscribing to a live channel. Transmit's own controller answers 400 to
 * every refusal; here a channel the staff member may not see is a 403, and
 * a channel that is not one of ours is refused instead of left open.
 */
export default class LiveController {
  async subscribe(ctx: HttpContext) {
    const uid = ctx.request.input('uid')
    const channel = ctx.request.input('channel')
    if (typeof uid !== 'string' || !isLiveChannel(channel)) return ctx.response.badRequest()
    if (!(await transmit.getManager().verifyAccess(channel, ctx))) return ctx.response.forbidden()
    const subscribed = await transmit.subscribe({
      uid,
      channel,
      context: ctx,
      skipAuthorization: true,
    })
    return subscribed ? ctx.response.noContent() : ctx.response.badRequest()
  }
}
