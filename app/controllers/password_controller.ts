import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import StaffService from '#services/staff/staff_service'
import { changeOwnPasswordValidator } from '#validators/staff_validator'

/** A staff member changes their own password (forced after a reset). */
@inject()
export default class PasswordController {
  constructor(protected staff: StaffService) {}

  async edit({ inertia, auth }: HttpContext) {
    return inertia.render('auth/change_password', {
      forced: auth.getUserOrFail().mustChangePassword,
    })
  }

  async update({ request, response, session, i18n }: HttpContext) {
    const { currentPassword, password } = await request.validateUsing(changeOwnPasswordValidator)
    await this.staff.changeOwnPassword(currentPassword, password)
    session.flash('success', i18n.t('staff.passwordChanged'))
    return response.redirect('/')
  }
}
