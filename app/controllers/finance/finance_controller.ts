import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import FinancePolicy from '#policies/finance_policy'
import PaymentRecords from '#services/finance/payment_records'
import ReconciliationRecords from '#services/finance/reconciliation_records'
import RefundRecords from '#services/finance/refund_records'
import ProjectService from '#services/settings/project_service'
import {
  paymentRecordsValidator,
  reconcileValidator,
  reconciliationPageValidator,
  refundIdValidator,
  refundRecordsValidator,
} from '#validators/finance/finance_validator'
import type {
  PaymentsPageProps,
  RefundsPageProps,
  ReconciliationPageProps,
} from '#services/finance/finance_props'

/** 财务: 收款记录, 退款记录 (with 标记为线下已退) and 对账 (with 立即对账). */
@inject()
export default class FinanceController {
  constructor(
    protected paymentRecords: PaymentRecords,
    protected refundRecords: RefundRecords,
    protected reconciliationRecords: ReconciliationRecords,
    protected projects: ProjectService
  ) {}

  async payments({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(FinancePolicy).authorize('view')
    const filters = await request.validateUsing(paymentRecordsValidator)
    const { rows, newer, older } = await this.paymentRecords.page(filters)
    const projects = await this.projects.list()
    return inertia.render('finance/payments', {
      payments: rows,
      newer,
      older,
      projectOptions: projects.map(({ id, name }) => ({ id, name })),
      pluginOptions: await this.paymentRecords.pluginIds(),
      filters: {
        paymentNo: filters.paymentNo ?? null,
        phone: filters.phone ?? null,
        projectId: filters.projectId ?? null,
        purpose: filters.purpose ?? null,
        status: filters.status ?? null,
        pluginId: filters.pluginId ?? null,
        from: filters.from ?? null,
        to: filters.to ?? null,
      },
    } satisfies PaymentsPageProps)
  }

  async refunds({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(FinancePolicy).authorize('view')
    const filters = await request.validateUsing(refundRecordsValidator)
    const { rows, newer, older } = await this.refundRecords.page(filters)
    return inertia.render('finance/refunds', {
      refunds: rows,
      newer,
      older,
      awaitingCash: await this.refundRecords.awaitingCashCount(),
      filters: {
        refundNo: filters.refundNo ?? null,
        paymentNo: filters.paymentNo ?? null,
        phone: filters.phone ?? null,
        status: filters.status ?? null,
        cause: filters.cause ?? null,
        awaitingCash: filters.awaitingCash ?? false,
        from: filters.from ?? null,
        to: filters.to ?? null,
      },
    } satisfies RefundsPageProps)
  }

  async settleRefundOffline({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(FinancePolicy).authorize('settleRefundOffline')
    const { id } = await refundIdValidator.validate(params)
    const refund = await this.refundRecords.settleOffline(id)
    session.flash('success', i18n.t('finance.settledOffline', { refundNo: refund.refundNo }))
    return response.redirect().withQs().back()
  }

  async reconciliation({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(FinancePolicy).authorize('reconcile')
    const query = await request.validateUsing(reconciliationPageValidator)
    return inertia.render('finance/reconciliation', {
      runs: await this.reconciliationRecords.runs(query.page ?? 1),
      channels: await this.reconciliationRecords.channels(),
      selectedRun: query.run ?? null,
      differences: query.run
        ? await this.reconciliationRecords.differences(query.run, query.differencesPage ?? 1)
        : null,
      // Bills are of whole days: yesterday is the last complete one.
      defaultBillDate: DateTime.now().setZone('Asia/Shanghai').minus({ days: 1 }).toISODate()!,
    } satisfies ReconciliationPageProps)
  }

  async reconcile({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(FinancePolicy).authorize('reconcile')
    const { settingId, billDate } = await request.validateUsing(reconcileValidator)
    const result = await this.reconciliationRecords.reconcile(settingId, billDate)
    session.flash(
      result.status === 'failed' ? 'error' : 'success',
      i18n.t(`finance.reconciled.${result.status}`, {
        billDate,
        differences: result.differences.length,
      })
    )
    return response.redirect().withQs({ run: result.runId }).toPath('/finance/reconciliation')
  }
}
