import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RepairTicketPolicy from '#policies/repair_ticket_policy'
import RepairTicketService from '#services/operations/repair_ticket_service'
import type { RepairTicketsPageProps } from '#services/operations/repair_rows'
import {
  repairAssignValidator,
  repairCloseValidator,
  repairListValidator,
} from '#validators/operations/repair_validator'
import { portStatusValidator } from '#validators/operations/device_validator'

/** 运维 → 报修工单: riders' 报修 from the H5, assigned, closed, and the port taken out of service. */
@inject()
export default class RepairTicketsController {
  constructor(protected tickets: RepairTicketService) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(RepairTicketPolicy).authorize('manage')
    const filters = await request.validateUsing(repairListValidator)
    const { rows, pagination } = await this.tickets.list(filters)
    return inertia.render('operations/repairs', {
      tickets: rows,
      pagination,
      filters: {
        status: filters.status ?? null,
        projectId: filters.projectId ?? null,
        pileId: filters.pileId ?? null,
      },
      ...(await this.tickets.options()),
    } satisfies RepairTicketsPageProps)
  }

  async assign({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RepairTicketPolicy).authorize('manage')
    const { staffId } = await request.validateUsing(repairAssignValidator)
    await this.tickets.assign(Number(params.id), staffId)
    session.flash('success', i18n.t('repairs.assigned'))
    return response.redirect().withQs().back()
  }

  async close({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RepairTicketPolicy).authorize('manage')
    const { note } = await request.validateUsing(repairCloseValidator)
    await this.tickets.close(Number(params.id), note)
    session.flash('success', i18n.t('repairs.closed'))
    return response.redirect().withQs().back()
  }

  async port({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RepairTicketPolicy).authorize('manage')
    const { status } = await request.validateUsing(portStatusValidator)
    await this.tickets.setPortStatus(Number(params.id), status)
    session.flash(
      'success',
      i18n.t(status === 'disabled' ? 'devices.portDisabled' : 'devices.portEnabled')
    )
    return response.redirect().withQs().back()
  }
}
