import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import ChargingOrder from '#models/charging_order'
import ChargingRefusal from '#services/orders/charging_refusal'
import LiveEvents from '#core/live/live_events'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletRefusal from '#core/wallet/wallet_refusal'
import WalletService from '#core/wallet/wallet_service'
import { releaseHolds, settleHold } from '#core/wallet/wallet_holds'
import { applyBestCoupon } from '#services/orders/coupon_discount'
import { notifyChargesAbnormal, notifyOrderSettled } from '#services/notifications/rider_notifier'
import { dispatchRefunds } from '#services/finance/payment_queue'
import PayPerCharge from '#services/orders/pay_per_charge'

/**
 * Settlement (结算): an ended order's bill posted to the wallet, once. The
 * deduction is keyed `order:<orderNo>:1` and the order row is locked while
 * it is posted, so settling twice, at once or days apart, posts one
 * deduction. Staff resolutions post through the same key. The order's
 * wallet hold becomes the deduction in the same transaction (the bill never
 * exceeds cap_fen, which is what was held) and the rest is free again. A
 * rider's coupon lowers the deduction in the same transaction (coupon_discount).
 */
export default class Settlement {
  constructor(
    protected wallet = new WalletService(),
    protected payPerCharge = new PayPerCharge()
  ) {}

  /**
   * Posts an ended order's deduction and marks it settled, in one
   * transaction. A wallet that refuses (frozen since, overdrawn by another
   * order) sends the order to 异常订单 instead.
   */
  async settle(
    tenant: TenantContext,
    orderNo: string
  ): Promise<{ orderNo: string; settled: boolean }> {
    try {
      const result = await tenant.run(async (trx) => {
        const order = await tenant
          .query(ChargingOrder, trx)
          .where('order_no', orderNo)
          .forUpdate()
          .first()
        if (order?.status !== 'ended') {
          return { orderNo, settled: ['settled', 'refunded'].includes(order?.status ?? '') }
        }
        // 优惠券: the deduction is the bill less the coupon's discount.
        const due = order.amountFen - (await applyBestCoupon(tenant, trx, order))
        const entry = due > 0 ? await this.deductWithin(tenant, trx, order, due) : null
        order.merge({
          status: 'settled',
          ledgerEntryId: entry?.id ?? null,
          settledAt: DateTime.now(),
        })
        await order.save()
        await settleHold(tenant, trx, order.id, due)
        // 扫码即充: the unused prepaid amount goes back with the deduction.
        const refundIds = await this.payPerCharge.returnRestWithin(tenant, trx, order, due)
        return { orderNo, settled: true, refundIds }
      })
      await dispatchRefunds(tenant.tenantId, result.refundIds ?? [])
      await LiveEvents.ordersChanged(tenant.tenantId, [orderNo])
      if (result.settled) await notifyOrderSettled(tenant, orderNo)
      return { orderNo: result.orderNo, settled: result.settled }
    } catch (error) {
      if (!(error instanceof WalletRefusal)) throw error
      await tenant.run(async (trx) => {
        await tenant
          .query(ChargingOrder, trx)
          .where({ order_no: orderNo, status: 'ended' })
          .update({
            status: 'abnormal',
            abnormalReason: 'settlement_failed',
            abnormalAt: new Date(),
            resolutionNote: error.reason,
            updatedAt: new Date(),
          })
        await releaseHolds(tenant, trx, [orderNo])
      })
      await LiveEvents.ordersChanged(tenant.tenantId, [orderNo])
      await notifyChargesAbnormal(tenant, [orderNo])
      return { orderNo, settled: false }
    }
  }

  /** The settlement posting of an order (the one key every path shares), inside the caller's transaction. */
  async deductWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: Pick<ChargingOrder, 'orderNo' | 'riderId' | 'projectId' | 'endedAt'>,
    amount: number
  ) {
    if (order.riderId === null) throw new ChargingRefusal('noRider')
    const { entry } = await this.wallet.postWithin(
      tenant,
      {
        type: 'charge_settlement',
        riderId: order.riderId,
        projectId: order.projectId,
        amount,
        orderNo: order.orderNo,
        idempotencyKey: `order:${order.orderNo}:1`,
        occurredAt: order.endedAt ?? undefined,
      },
      trx
    )
    return entry
  }
}
