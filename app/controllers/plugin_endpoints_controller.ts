import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import { pluginHeaders } from '#plugins/raw_request'
import { publicUrl } from '#config/app'

/** `/plugins/<id>/...`: the endpoints a plugin serves itself (e.g. the sandbox gateway). */
export default class PluginEndpointsController {
  async handle({ params, request, response }: HttpContext) {
    const registry = await app.container.make('plugins')
    const plugin = registry.get(String(params.pluginId))
    if (!plugin?.http) return response.notFound('not found')
    const rest: string[] = params['*'] ?? []
    const reply = await plugin.http({
      method: request.method(),
      path: `/${rest.map(encodeURIComponent).join('/')}`,
      query: request.qs(),
      headers: pluginHeaders(request),
      rawBody: request.raw() ?? '',
      baseUrl: `${publicUrl}/plugins/${plugin.id}`,
    })
    response.status(reply.status)
    for (const [name, value] of Object.entries(reply.headers ?? {})) response.header(name, value)
    return response.send(reply.body)
  }
}
