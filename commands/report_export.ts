import { rename, rm } from 'node:fs/promises'
import { dirname, basename, join, resolve } from 'node:path'
import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import vine, { errors } from '@vinejs/vine'

// Calendar days in Asia/Shanghai, as on the pages.
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

const optionsValidator = vine.create({
  kind: vine.enum(['ledger', 'orders', 'payments', 'refunds', 'monthly'] as const),
  tenant: vine.number().withoutDecimals().min(1),
  project: vine.number().withoutDecimals().min(1).optional(),
  from: day(),
  to: day(),
  format: vine.enum(['xlsx', 'pdf'] as const),
  out: vine.string().trim().minLength(1),
})

/**
 * One report (the same registry, report and writer as 下载中心) written to a
 * file in-process, read as the tenant with no project limit (or one project).
 * Bad input (unknown tenant or project, from after to, bad format) is a clear
 * error, exit code 1, and no file. The file appears at --out only once whole.
 */
export default class ReportExportCommand extends BaseCommand {
  static commandName = 'report:export'
  static description = 'Export a report (ledger, orders, payments, refunds, monthly) to xlsx or pdf'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Report: ledger, orders, payments, refunds or monthly' })
  declare kind: string

  @flags.string({ description: 'Tenant id', required: true })
  declare tenant: string

  @flags.string({ description: 'Project id (default: every project of the tenant)' })
  declare project?: string

  @flags.string({ description: 'First day, YYYY-MM-DD (Asia/Shanghai)', required: true })
  declare from: string

  @flags.string({ description: 'Last day, YYYY-MM-DD (Asia/Shanghai), included', required: true })
  declare to: string

  @flags.string({ description: 'xlsx or pdf', required: true })
  declare format: string

  @flags.string({ description: 'File to write', required: true })
  declare out: string

  async run() {
    let options
    try {
      options = await optionsValidator.validate({
        kind: this.kind,
        tenant: this.tenant,
        project: this.project,
        from: this.from,
        to: this.to,
        format: this.format,
        out: this.out,
      })
    } catch (error) {
      if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
      for (const message of error.messages as { field: string; message: string }[])
        this.logger.error(`${message.field}: ${message.message}`)
      this.exitCode = 1
      return
    }
    if (options.from > options.to)
      return this.#refuse(`--from ${options.from} is after --to ${options.to}`)

    // Imported here so ace can list commands before Lucid boots.
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const { default: i18nManager } = await import('@adonisjs/i18n/services/main')
    const { default: TenantContext } = await import('#core/tenancy/tenant_context')
    const { validateReportFilters } = await import('#validators/finance/export_validator')
    const { writeReport } = await import('#services/finance/exports/report_file')
    const { formatYuan } = await import('#sdk/money')

    // The tenant is not known yet: looked up as the platform (owner connection).
    const tenant = await db.connection('owner').from('tenants').where('id', options.tenant).first()
    if (!tenant) return this.#refuse(`--tenant ${options.tenant}: no such tenant`)
    if (options.project) {
      const project = await db
        .connection('owner')
        .from('projects')
        .where({ id: options.project, tenant_id: options.tenant })
        .first()
      if (!project) {
        return this.#refuse(
          `--project ${options.project}: no such project in tenant ${options.tenant}`
        )
      }
    }

    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    const filters = await validateReportFilters(options.kind, {
      from: options.from,
      to: options.to,
      projectId: options.project,
    })
    const out = resolve(options.out)
    // Written beside --out under a temporary name, renamed when complete.
    const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`)
    try {
      const result = await writeReport(
        options.kind,
        {
          tenant: TenantContext.forJob(options.tenant),
          requestedBy: i18n.t('exports.commandLine'),
          i18n,
        },
        filters,
        options.format,
        partial
      )
      await rename(partial, out)
      this.logger.log(`${out}: ${result.rows} rows`)
      for (const column of result.columns) {
        if (column.kind === 'money' && column.total) {
          this.logger.log(`${column.header}: ¥${formatYuan(result.totals[column.key] ?? 0)}`)
        }
      }
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
  }

  #refuse(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
