import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import OrderPolicy from '#policies/order_policy'
import OrderRecords from '#services/orders/order_records'
import { ordersChannel } from '#core/live/live_channels'
import OrderResolutionService from '#services/orders/order_resolution_service'
import RemoteControl from '#services/orders/remote_control'
import ProjectService from '#services/settings/project_service'
import TenantContext from '#core/tenancy/tenant_context'
import {
  orderFiltersValidator,
  orderIdValidator,
  orderReasonValidator,
  settleOrderValidator,
} from '#validators/orders/order_validator'
import type { OrderDetailPageProps, OrdersPageProps } from '#services/orders/order_rows'

/** 订单: 订单管理, 异常订单 (结算, 关闭, 退款) and 远程停止, and one order's detail. */
@inject()
export default class OrdersController {
  constructor(
    protected tenant: TenantContext,
    protected records: OrderRecords,
    protected resolution: OrderResolutionService,
    protected remote: RemoteControl,
    protected projects: ProjectService
  ) {}

  async index(ctx: HttpContext) {
    return this.#list(ctx, false)
  }

  async abnormal(ctx: HttpContext) {
    return this.#list(ctx, true)
  }

  async show({ params, inertia, bouncer }: HttpContext) {
    await bouncer.with(OrderPolicy).authorize('view')
    const { id } = await orderIdValidator.validate(params)
    return inertia.render('orders/show', {
      order: await this.records.detail(id),
    } satisfies OrderDetailPageProps)
  }

  async settle({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OrderPolicy).authorize('resolve')
    const id = await this.#visible(params)
    const input = await request.validateUsing(settleOrderValidator)
    const { orderNo } = await this.resolution.settle(id, input)
    session.flash('success', i18n.t('charging.settled', { orderNo }))
    return response.redirect().withQs().back()
  }

  async close({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OrderPolicy).authorize('resolve')
    const id = await this.#visible(params)
    const { orderNo } = await this.resolution.close(
      id,
      await request.validateUsing(orderReasonValidator)
    )
    session.flash('success', i18n.t('charging.closed', { orderNo }))
    return response.redirect().withQs().back()
  }

  async refund({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OrderPolicy).authorize('resolve')
    const id = await this.#visible(params)
    const { orderNo } = await this.resolution.refund(
      id,
      await request.validateUsing(orderReasonValidator)
    )
    session.flash('success', i18n.t('charging.refunded', { orderNo }))
    return response.redirect().withQs().back()
  }

  async stop({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(OrderPolicy).authorize('stop')
    const { id } = await orderIdValidator.validate(params)
    const orderNo = await this.records.orderNo(id)
    const { reason } = await request.validateUsing(orderReasonValidator)
    await this.remote.stopRemote(this.tenant, { orderNo, reason })
    session.flash('success', i18n.t('charging.stopSubmitted'))
    return response.redirect().withQs().back()
  }

  /** The order's id when this staff member may see it; 404 otherwise. */
  async #visible(params: Record<string, unknown>) {
    const { id } = await orderIdValidator.validate(params)
    await this.records.orderNo(id)
    return id
  }

  async #list({ request, inertia, bouncer, tenant }: HttpContext, abnormal: boolean) {
    await bouncer.with(OrderPolicy).authorize('view')
    const filters = await request.validateUsing(orderFiltersValidator)
    const { rows, newer, older } = await this.records.page(filters, { abnormal })
    const projects = await this.projects.list()
    return inertia.render(abnormal ? 'orders/abnormal' : 'orders/index', {
      orders: rows,
      newer,
      older,
      projectOptions: projects.map(({ id, name }) => ({ id, name })),
      vendorOptions: await this.records.vendors(),
      // Every filter, null when not chosen, so the page's form starts from them.
      filters: {
        orderNo: filters.orderNo ?? null,
        name: filters.name ?? null,
        phone: filters.phone ?? null,
        cardNo: filters.cardNo ?? null,
        device: filters.device ?? null,
        projectId: filters.projectId ?? null,
        channel: filters.channel ?? null,
        status: filters.status ?? null,
        abnormalReason: filters.abnormalReason ?? null,
        paidBy: filters.paidBy ?? null,
        vendorId: filters.vendorId ?? null,
        from: filters.from ?? null,
        to: filters.to ?? null,
      },
      liveChannel: ordersChannel(tenant.tenantId),
    } satisfies OrdersPageProps)
  }
}
