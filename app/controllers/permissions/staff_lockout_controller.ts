import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import LoginUnlockService from '#services/permissions/login_unlock_service'
import LoginLockoutPolicy from '#policies/login_lockout_policy'

/** 权限 → 管理员: 解锁, lifting a staff member's login locks. */
@inject()
export default class StaffLockoutController {
  constructor(protected unlocks: LoginUnlockService) {}

  async destroy({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(LoginLockoutPolicy).authorize('unlock')
    await this.unlocks.unlock(Number(params.id))
    session.flash('success', i18n.t('staff.unlocked'))
    return response.redirect().back()
  }
}
