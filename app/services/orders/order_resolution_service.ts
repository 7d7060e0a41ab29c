import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import ChargingRefusal from '#services/orders/charging_refusal'
import ChargingService from '#services/orders/charging_service'
import LiveEvents from '#core/live/live_events'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'

/**
 * What staff do with 异常订单: settle (an amount they choose, at most the
 * order's cap; the order's own posting key, so it settles once whatever
 * else happens), close without charging, or refund a settled order (a
 * correction reversing its deduction exactly). Each needs a reason and is
 * audit-logged in the transaction of the change.
 */
@inject()
export default class OrderResolutionService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected wallet: WalletService,
    protected charging: ChargingService
  ) {}

  settle(orderId: number, input: { amountFen: number; reason: string }) {
    return this.#announced(
      this.tenant.run(async (trx) => {
        const order = await this.#abnormal(trx, orderId)
        if (order.rider_id === null) throw new ChargingRefusal('noRider')
        if (order.cap_fen !== null && input.amountFen > order.cap_fen) {
          throw new ChargingRefusal('amountAboveCap')
        }
        const entry =
          input.amountFen > 0
            ? await this.charging.deductWithin(this.tenant, trx, order, input.amountFen)
            : null
        return this.#resolve(trx, order, 'orders.settle', input.reason, {
          status: 'settled',
          amount_fen: input.amountFen,
          ledger_entry_id: entry?.id ?? null,
          settled_at: new Date(),
        })
      })
    )
  }

  close(orderId: number, input: { reason: string }) {
    return this.#announced(
      this.tenant.run(async (trx) => {
        const order = await this.#abnormal(trx, orderId)
        return this.#resolve(trx, order, 'orders.close', input.reason, {
          status: 'cancelled',
          cancel_reason: 'closed_by_staff',
        })
      })
    )
  }

  refund(orderId: number, input: { reason: string }) {
    return this.#announced(
      this.tenant.run(async (trx) => {
        const order = await this.#visible(trx, orderId)
        if (order.status !== 'settled') throw new ChargingRefusal('orderNotSettled')
        if (order.ledger_entry_id !== null) {
          await this.wallet.postWithin(
            this.tenant,
            { type: 'correction', entryId: order.ledger_entry_id, reason: input.reason },
            trx
          )
        }
        return this.#resolve(trx, order, 'orders.refund', input.reason, { status: 'refunded' })
      })
    )
  }

  async #visible(trx: TransactionClientContract, orderId: number) {
    const order = await this.tenant
      .limitToProjects(
        trx.from('charging_orders').where({ tenant_id: this.tenant.tenantId, id: orderId })
      )
      .forUpdate()
      .first()
    if (!order) throw new ChargingRefusal('orderNotFound')
    return order
  }

  async #abnormal(trx: TransactionClientContract, orderId: number) {
    const order = await this.#visible(trx, orderId)
    if (order.status !== 'abnormal') throw new ChargingRefusal('orderNotAbnormal')
    return order
  }

  async #resolve(
    trx: TransactionClientContract,
    order: Record<string, any>,
    action: string,
    reason: string,
    change: Record<string, unknown>
  ) {
    await trx
      .from('charging_orders')
      .where('id', order.id)
      .update({
        ...change,
        resolved_by_staff_id: this.tenant.staffId,
        resolution_note: reason,
        updated_at: new Date(),
      })
    await this.audit.recordInContext(
      this.tenant,
      {
        action,
        projectId: order.project_id,
        target: { type: 'charging_order', id: order.id },
        before: { status: order.status, abnormalReason: order.abnormal_reason },
        after: { orderNo: order.order_no, reason, ...change },
      },
      trx
    )
    return { orderNo: order.order_no as string, status: change.status as string }
  }

  /** Runs a resolution, then announces the order's new state once committed. */
  async #announced(work: Promise<{ orderNo: string; status: string }>) {
    const resolved = await work
    await LiveEvents.ordersChanged(this.tenant.tenantId, [resolved.orderNo])
    return resolved
  }
}
