import type { HttpContext } from '@adonisjs/core/http'
import limiter from '@adonisjs/limiter/services/main'
import { errors as limiterErrors } from '@adonisjs/limiter'
import { pluginHeaders } from '#plugins/raw_request'
import PaymentWebhookService from '#services/finance/payment_webhook_service'
import { settingIdValidator } from '#validators/finance/payment_validator'

/**
 * Notifications one source IP may send, all settings together. Providers
 * call from a few addresses for every tenant, so it is generous; past it
 * the answer is a 429, which WeChat Pay and Alipay both retry later.
 */
export const WEBHOOK_IP_LIMIT = { requests: 1200, duration: '1 minute' }

/** Providers' notifications: verified on the raw body, answered in their own format. */
export default class PaymentWebhooksController {
  async receive({ params, request, response }: HttpContext) {
    // Counted before anything is read or written, so a flood costs no database work.
    try {
      await limiter.use(WEBHOOK_IP_LIMIT).consume(`payment_webhook_ip_${request.ip()}`)
    } catch (error) {
      if (!(error instanceof limiterErrors.ThrottleException)) throw error
      return response
        .status(429)
        .header('Retry-After', String(Math.max(1, error.response.availableIn)))
        .send('too many requests')
    }
    const { settingId } = await settingIdValidator.validate(params)
    const reply = await new PaymentWebhookService().receive(
      settingId,
      {
        headers: pluginHeaders(request),
        rawBody: request.raw() ?? '',
      },
      {
        actor: null,
        request: {
          ip: request.ip(),
          userAgent: request.header('user-agent') ?? null,
          requestId: request.id() ?? null,
        },
      }
    )
    response.status(reply.status)
    for (const [name, value] of Object.entries(reply.headers ?? {})) response.header(name, value)
    return response.send(reply.body)
  }
}
