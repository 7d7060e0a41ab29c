import type { HttpContext } from '@adonisjs/core/http'

/** Menu pages that no feature serves yet: an honest "not yet available". */
export default class PlaceholderController {
  async show({ inertia, route }: HttpContext) {
    const [section, item] = (route?.name ?? 'unbuilt.home.overview').split('.').slice(1)
    return inertia.render('placeholder', { section, item })
  }
}
