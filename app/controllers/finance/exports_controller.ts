import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ExportPolicy from '#policies/export_policy'
import ExportService from '#services/finance/exports/export_service'
import { REPORT_KINDS } from '#services/finance/exports/report_kinds'
import {
  exportIdValidator,
  exportStartValidator,
  validateReportFilters,
} from '#validators/finance/export_validator'
import vine from '@vinejs/vine'
import type { DownloadsPageProps } from '#services/finance/finance_props'

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
}

// The kind is the last part of the route's path (/finance/exports/<kind>), one route per kind.
const kindValidator = vine.create({ kind: vine.enum(REPORT_KINDS) })

/** 财务 → 下载中心, and starting an export of a report (a list with its filters, or 汇总). */
@inject()
export default class ExportsController {
  constructor(protected exports: ExportService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('export')
    return inertia.render('finance/downloads', {
      exports: await this.exports.list(),
    } satisfies DownloadsPageProps)
  }

  /** From a list page: its current filters (the page's query string) and a format; JSON for the progress bar. */
  async store({ request, response, bouncer, route }: HttpContext) {
    const { kind } = await kindValidator.validate({ kind: route?.pattern.split('/').pop() })
    await bouncer.with(ExportPolicy).authorize('exportReport', kind)
    const { format } = await request.validateUsing(exportStartValidator)
    const filters = await validateReportFilters(kind, request.input('filters'))
    const id = await this.exports.startReport(kind, format, filters)
    return response.json(await this.exports.find(id))
  }

  async show({ request, response, bouncer }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('follow')
    const { params } = await request.validateUsing(exportIdValidator)
    return response.json(await this.exports.find(params.id))
  }

  async retry({ request, response, bouncer, session, i18n }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('export')
    const { params } = await request.validateUsing(exportIdValidator)
    await this.exports.retry(params.id)
    session.flash('success', i18n.t('exports.retried'))
    return response.redirect().back()
  }

  async download({ request, response, bouncer }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('follow')
    const { params } = await request.validateUsing(exportIdValidator)
    const file = await this.exports.file(params.id)
    response.header('Content-Type', CONTENT_TYPES[file.format])
    response.attachment(file.name)
    if (file.size !== null) response.header('Content-Length', file.size)
    return response.stream(file.stream)
  }
}
