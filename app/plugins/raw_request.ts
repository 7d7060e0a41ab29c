import type { HttpContext } from '@adonisjs/core/http'

/** A request's headers as plugins read them: lower-case names, one string each. */
export function pluginHeaders(request: HttpContext['request']): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(request.headers()).map(([name, value]) => [
      name.toLowerCase(),
      Array.isArray(value) ? value.join(', ') : (value as string | undefined),
    ])
  )
}
