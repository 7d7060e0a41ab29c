import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ExportPolicy from '#policies/export_policy'
import ExportService from '#services/reports/export_service'
import { exportIdValidator, exportStartValidator } from '#validators/export_validator'
import { ledgerFilterValidator } from '#validators/ledger_validator'

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
}

/** 财务 → 下载中心, and starting an export from a list (账户流水). */
@inject()
export default class ExportsController {
  constructor(protected exports: ExportService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('export')
    return inertia.render('finance/downloads', { exports: await this.exports.list() })
  }

  /** From 账户流水: its current filters (query string of the page) and a format; JSON for the progress bar. */
  async storeLedger({ request, response, bouncer }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('export')
    const { format } = await request.validateUsing(exportStartValidator)
    const filters = await ledgerFilterValidator.validate(request.input('filters') ?? {})
    const id = await this.exports.startLedger(format, filters)
    return response.json(await this.exports.find(id))
  }

  async show({ request, response, bouncer }: HttpContext) {
    await bouncer.with(ExportPolicy).authorize('export')
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
    await bouncer.with(ExportPolicy).authorize('export')
    const { params } = await request.validateUsing(exportIdValidator)
    const file = await this.exports.file(params.id)
    response.header('Content-Type', CONTENT_TYPES[file.format])
    response.attachment(file.name)
    if (file.size !== null) response.header('Content-Length', file.size)
    return response.stream(file.stream)
  }
}
