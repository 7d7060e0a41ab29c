import type { HttpContext } from '@adonisjs/core/http'
import { pluginHeaders } from '#plugins/raw_request'
import PaymentWebhookService from '#services/payments/payment_webhook_service'
import { settingIdValidator } from '#validators/payment_validator'

/** Providers' notifications: verified on the raw body, answered in their own format. */
export default class PaymentWebhooksController {
  async receive({ params, request, response }: HttpContext) {
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
