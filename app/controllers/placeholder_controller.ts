import type { HttpContext } from '@adonisjs/core/http'
import MenuPolicy from '#policies/menu_policy'
import { NAVIGATION } from '#services/navigation'

/** Menu pages that no feature serves yet: an honest "not yet available". */
export default class PlaceholderController {
  async show({ inertia, route, bouncer }: HttpContext) {
    const [section, item] = (route?.name ?? '').split('.').slice(1)
    const page = NAVIGATION.find((entry) => entry.key === section)?.items.find(
      (entry) => entry.key === item
    )
    await bouncer.with(MenuPolicy).authorize('open', page?.permission ?? null)
    return inertia.render('placeholder', { section, item })
  }
}
