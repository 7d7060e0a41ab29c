import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RiderPolicy from '#policies/rider_policy'
import CouponPolicy from '#policies/coupon_policy'
import CouponBatchService from '#services/riders/coupon_batch_service'
import RiderService from '#services/riders/rider_service'
import ProjectService from '#services/settings/project_service'
import {
  changePhoneValidator,
  openAccountValidator,
  riderListValidator,
  riderStatusValidator,
  smsCodeValidator,
  updateRiderValidator,
} from '#validators/riders/rider_validator'
import type { RidersPageProps } from '#services/riders/riders_props'

/** 用户 → 用户管理: the rider list, 开户, edits, phone changes, 冻结 / 解冻. */
@inject()
export default class RidersController {
  constructor(
    protected riders: RiderService,
    protected projects: ProjectService,
    protected coupons: CouponBatchService
  ) {}

  async index({ request, inertia, bouncer, session }: HttpContext) {
    await bouncer.with(RiderPolicy).authorize('view')
    const filters = await request.validateUsing(riderListValidator)
    const { rows, pagination } = await this.riders.list(filters)
    const projects = await this.projects.list()
    return inertia.render('riders/index', {
      riders: rows,
      pagination,
      filters: {
        name: filters.name ?? null,
        phone: filters.phone ?? null,
        status: filters.status ?? null,
        from: filters.from ?? null,
        to: filters.to ?? null,
        sortBy: filters.sortBy ?? 'registeredAt',
        sortOrder: filters.sortOrder ?? 'desc',
      },
      // Where a refund can be posted (退款).
      projects: projects
        .filter((project) => project.status === 'active')
        .map((project) => ({ id: project.id, name: project.name })),
      // Set only outside production, after a code went out through a test sender.
      devCode: (session.flashMessages.get('devCode') as { phone: string; code: string }) ?? null,
      couponBatches: (await bouncer.with(CouponPolicy).allows('manage'))
        ? await this.coupons.issuable()
        : [],
    } satisfies RidersPageProps)
  }

  async sendCode({ request, response, session, bouncer, i18n }: HttpContext) {
    const { phone, purpose } = await request.validateUsing(smsCodeValidator)
    await bouncer.with(RiderPolicy).authorize(purpose === 'open_account' ? 'create' : 'edit')
    const code = await this.riders.sendCode(phone, purpose)
    if (code) session.flash('devCode', { phone, code })
    session.flash('success', i18n.t('riders.codeSent'))
    return response.redirect().back()
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RiderPolicy).authorize('create')
    await this.riders.open(await request.validateUsing(openAccountValidator))
    session.flash('success', i18n.t('riders.created'))
    return response.redirect().back()
  }

  async update({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RiderPolicy).authorize('edit')
    const { name } = await request.validateUsing(updateRiderValidator)
    await this.riders.rename(Number(params.id), name)
    session.flash('success', i18n.t('riders.updated'))
    return response.redirect().back()
  }

  async changePhone({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RiderPolicy).authorize('edit')
    const { phone, code } = await request.validateUsing(changePhoneValidator)
    await this.riders.changePhone(Number(params.id), phone, code)
    session.flash('success', i18n.t('riders.phoneChanged'))
    return response.redirect().back()
  }

  async status({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RiderPolicy).authorize('freeze')
    const { ids, status } = await request.validateUsing(riderStatusValidator)
    const changed = await this.riders.setStatus(ids, status)
    session.flash('success', i18n.t(`riders.${status}`, { count: changed }))
    return response.redirect().back()
  }
}
