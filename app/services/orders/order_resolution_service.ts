import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import ChargingOrder, { type OrderStatus } from '#models/charging_order'
import ChargingRefusal from '#services/orders/charging_refusal'
import Settlement from '#services/orders/settlement'
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
    protected settlement: Settlement
  ) {}

  settle(orderId: number, input: { amountFen: number; reason: string }) {
    return this.#announced(
      this.tenant.run(async (trx) => {
        const order = await this.#abnormal(trx, orderId)
        if (order.riderId === null) throw new ChargingRefusal('noRider')
        if (order.capFen !== null && input.amountFen > order.capFen) {
          throw new ChargingRefusal('amountAboveCap')
        }
        const entry =
          input.amountFen > 0
            ? await this.settlement.deductWithin(this.tenant, trx, order, input.amountFen)
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
        if (order.ledgerEntryId !== null) {
          await this.wallet.postWithin(
            this.tenant,
            { type: 'correction', entryId: order.ledgerEntryId, reason: input.reason },
            trx
          )
        }
        return this.#resolve(trx, order, 'orders.refund', input.reason, { status: 'refunded' })
      })
    )
  }

  async #visible(trx: TransactionClientContract, orderId: number) {
    const order = await this.tenant
      .limitToProjects(this.tenant.query(ChargingOrder, trx).where('id', orderId))
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

  /** Applies a change (by column, as the audit log names it) and records it, in one transaction. */
  async #resolve(
    trx: TransactionClientContract,
    order: ChargingOrder,
    action: string,
    reason: string,
    change: { status: OrderStatus } & Record<string, unknown>
  ) {
    await ChargingOrder.query({ client: trx })
      .where('id', order.id)
      .update({
        ...change,
        resolvedByStaffId: this.tenant.staffId,
        resolutionNote: reason,
        updatedAt: new Date(),
      })
    await this.audit.recordInContext(
      this.tenant,
      {
        action,
        projectId: order.projectId,
        target: { type: 'charging_order', id: order.id },
        before: { status: order.status, abnormalReason: order.abnormalReason },
        after: { orderNo: order.orderNo, reason, ...change },
      },
      trx
    )
    return { orderNo: order.orderNo, status: change.status }
  }

  /** Runs a resolution, then announces the order's new state once committed. */
  async #announced(work: Promise<{ orderNo: string; status: string }>) {
    const resolved = await work
    await LiveEvents.ordersChanged(this.tenant.tenantId, [resolved.orderNo])
    return resolved
  }
}
