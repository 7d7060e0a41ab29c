import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import OwnerPolicy from '#policies/owner_policy'
import OwnerStatementService from '#services/data/owner_statement_service'
import { ownerStatementPageValidator } from '#validators/data/owner_statement_validator'
import type { OwnerStatementPageProps } from '#services/operations/owner_props'

/** 数据 → 业主对账: an owner's month, station by station, and its statement export. */
@inject()
export default class OwnerStatementsController {
  constructor(protected statements: OwnerStatementService) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(OwnerPolicy).authorize('statement')
    const filters = await request.validateUsing(ownerStatementPageValidator)
    const month = filters.month ?? DateTime.now().setZone('Asia/Shanghai').toFormat('yyyy-MM')
    return inertia.render('data/owners', {
      month,
      ...(await this.statements.page(month, filters.ownerId ?? null)),
    } satisfies OwnerStatementPageProps)
  }
}
