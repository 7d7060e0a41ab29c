import { createUrlBuilder } from '@adonisjs/core/http/url_builder_client'
import type { RoutesList } from '@adonisjs/core/types/http'

/*
 * URLs from route names, as on the server: `urlFor('orders.show', { id })`.
 * The names and their params are typed by the route list codegen writes
 * (.adonisjs/server/routes.d.ts); the patterns come from the server at run
 * time, in the page's `routes` JSON block (Edge's routesJSON(), named routes
 * only), so a route that changes its path needs no change here.
 */
function routes() {
  const block = document.getElementById('routes')
  if (!block?.textContent) throw new Error('The page carries no route list')
  return JSON.parse(block.textContent)
}

function stringify(query: Record<string, unknown>) {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.append(name, String(value))
  }
  return search.toString()
}

export const urlFor = createUrlBuilder<RoutesList>(routes, stringify)

/** A fresh 验证码 image (the query only defeats the cache). */
export const captcha = () => urlFor('captcha', undefined, { qs: { t: Date.now() } })
