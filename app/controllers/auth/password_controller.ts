import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import StaffService from '#services/permissions/staff_service'
import StaffSessions from '#services/auth/staff_sessions'
import { changeOwnPasswordValidator } from '#validators/permissions/staff_validator'
import type { ChangePasswordPageProps } from '#services/auth/auth_props'

/** A staff member changes their own password (forced after a reset). */
@inject()
export default class PasswordController {
  constructor(
    protected staff: StaffService,
    protected sessions: StaffSessions
  ) {}

  async edit({ inertia, auth }: HttpContext) {
    return inertia.render('auth/change_password', {
      forced: auth.getUserOrFail().mustChangePassword,
    } satisfies ChangePasswordPageProps)
  }

  async update(ctx: HttpContext) {
    const { request, response, session, i18n, auth } = ctx
    const { currentPassword, password } = await request.validateUsing(changeOwnPasswordValidator, {
      meta: { account: auth.getUserOrFail().account },
    })
    // This session stays signed in; every other one of theirs ends.
    await this.staff.changeOwnPassword(currentPassword, password, await this.sessions.current(ctx))
    session.flash('success', i18n.t('staff.passwordChanged'))
    return response.redirect('/')
  }
}
