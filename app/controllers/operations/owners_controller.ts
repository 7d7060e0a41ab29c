import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import OwnerPolicy from '#policies/owner_policy'
import StaffPolicy from '#policies/staff_policy'
import OwnerService from '#services/operations/owner_service'
import {
  ownerAccountValidator,
  ownerIdValidator,
  ownerValidator,
  stationMoneyValidator,
} from '#validators/operations/owner_validator'
import type { OwnersPageProps } from '#services/operations/owner_props'

/** 运维 → 业主管理: owners, their accounts, and each station's owner share and electricity price. */
@inject()
export default class OwnersController {
  constructor(protected owners: OwnerService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(OwnerPolicy).authorize('manage')
    return inertia.render('operations/owners', {
      owners: await this.owners.list(),
      staffOptions: await this.owners.staffOptions(),
    } satisfies OwnersPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OwnerPolicy).authorize('manage')
    await this.owners.create(await request.validateUsing(ownerValidator))
    session.flash('success', i18n.t('owners.saved'))
    return response.redirect().back()
  }

  async update({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OwnerPolicy).authorize('manage')
    const { params } = await request.validateUsing(ownerIdValidator)
    await this.owners.update(params.id, await request.validateUsing(ownerValidator))
    session.flash('success', i18n.t('owners.saved'))
    return response.redirect().back()
  }

  async account({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OwnerPolicy).authorize('manage')
    await bouncer.with(StaffPolicy).authorize('manage')
    const { params } = await request.validateUsing(ownerIdValidator)
    await this.owners.linkAccount(params.id, await request.validateUsing(ownerAccountValidator))
    session.flash('success', i18n.t('owners.accountSaved'))
    return response.redirect().back()
  }

  /** A station's owner and share, and its electricity tariff. */
  async stationMoney({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OwnerPolicy).authorize('manage')
    const { params } = await request.validateUsing(ownerIdValidator)
    await this.owners.setStationMoney(params.id, await request.validateUsing(stationMoneyValidator))
    session.flash('success', i18n.t('owners.saved'))
    return response.redirect().withQs().back()
  }
}
