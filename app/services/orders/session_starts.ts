import { DateTime } from 'luxon'
import type { VendorCardDecision } from '#sdk/contracts/vendor'
import AuditService from '#core/audit/audit_service'
import LiveEvents from '#core/live/live_events'
import type TenantContext from '#core/tenancy/tenant_context'
import CardService from '#services/cards/card_service'
import { normalizeCardNo } from '#services/cards/card_number'
import ChargingRefusal from '#services/orders/charging_refusal'
import ChargingOrder from '#models/charging_order'
import {
  findOrder,
  findPile,
  holdPort,
  lockPort,
  openOrder,
  portTaken,
  releasePort,
  serializePort,
} from '#services/orders/charging_ports'
import {
  authorisedDecision,
  startFailureReason,
  systemClock,
  type Clock,
  type StartEvent,
  type StartFailureEvent,
  type SwipeEvent,
} from '#services/orders/charging_rules'
import { chargeCap, createOrder, projectTariff } from '#services/orders/order_opening'
import { releaseHolds, reopenHold } from '#core/wallet/wallet_holds'
import { notifyChargeStarted } from '#services/notifications/rider_notifier'
import PayPerCharge from '#services/orders/pay_per_charge'

const SWIPE_REFUSALS = {
  unknown: 'unknown_card',
  lost: 'lost_card',
  voided: 'lost_card',
  frozen: 'frozen',
} as const

/**
 * Session events, the start of a charge: what the gateway reports of card
 * swipes, started charges and refused starts, each in the pile's tenant
 * (TenantContext.forJob). An order opening holds its cap in the rider's
 * wallet (order_opening.chargeCap, #core/wallet/wallet_holds); every end
 * other than settlement releases it.
 */
export default class SessionStarts {
  constructor(
    protected now: Clock = systemClock,
    protected audit = new AuditService(),
    protected payPerCharge = new PayPerCharge()
  ) {}

  /**
   * 刷卡: a card swiped at a port. Authorised swipes open a stop-when-full
   * order. Without a port (OCPP Authorize names none) the order waits
   * portless; confirmStart gives it the port the charge starts on.
   */
  async authorizeCard(tenant: TenantContext, input: SwipeEvent): Promise<VendorCardDecision> {
    const decision = await tenant.run(async (trx): Promise<VendorCardDecision> => {
      const pile = await findPile(tenant, trx, input.pileId)
      if (!pile || pile.status !== 'active') return { authorised: false, reason: 'unknown_pile' }
      const cardNo = normalizeCardNo(input.cardNo)
      // A pile asking again for a swipe it already had gets the same answer.
      const repeated = cardNo
        ? await tenant
            .query(ChargingOrder, trx)
            .where({ pile_id: pile.id, port_no: input.portNo })
            .where({ status: 'authorised', card_no: cardNo, channel: 'card' })
            .orderBy('id', 'desc')
            .first()
        : null
      if (repeated) return authorisedDecision(repeated)

      if (input.portNo !== null) {
        const port = await lockPort(tenant, trx, pile.id, input.portNo)
        if (
          !port ||
          port.state === 'fault' ||
          port.status === 'disabled' ||
          (await portTaken(tenant, trx, pile.id, input.portNo))
        ) {
          // The contract has no separate reason for a faulted, disabled or missing port.
          return { authorised: false, reason: 'port_busy' }
        }
      }
      const swipe = await new CardService(tenant, this.audit).authorizeSwipe(
        tenant,
        trx,
        input.cardNo
      )
      if (!swipe.ok) return { authorised: false, reason: SWIPE_REFUSALS[swipe.reason] }
      const tariff = await projectTariff(tenant, trx, pile.project_id)
      const allowed = await chargeCap(tenant, trx, swipe.rider.id, pile.project_id, tariff, {
        kind: 'full',
      })
      if (allowed === null) return { authorised: false, reason: 'insufficient_balance' }
      const order = await createOrder(tenant, trx, {
        pile,
        portNo: input.portNo,
        riderId: swipe.rider.id,
        cardNo: swipe.card.cardNo,
        channel: 'card',
        duration: { kind: 'full' },
        cap: allowed.cap,
        wallet: allowed.wallet,
        tariff,
        status: 'authorised',
        at: input.at,
      })
      return authorisedDecision(order)
    })
    if (decision.authorised) await LiveEvents.ordersChanged(tenant.tenantId, [decision.orderNo])
    return decision
  }

  /**
   * The pile started a charge: after a swipe or a remote start (our order
   * number, or the open order of the port), on an OCPP idTag never
   * authorised before (checked now), or on its own (BLE/offline: an order
   * of channel `ble`, settled later only if a rider is known).
   */
  async confirmStart(
    tenant: TenantContext,
    input: StartEvent
  ): Promise<{ orderNo: string; accepted: boolean }> {
    const started = await tenant.run(async (trx) => {
      const pile = await findPile(tenant, trx, input.pileId)
      if (!pile) throw new ChargingRefusal('pileNotFound')
      await serializePort(trx, pile.id, input.portNo)
      const cardNo = input.idTag ? normalizeCardNo(input.idTag) : null
      const order =
        (await findOrder(tenant, trx, pile.id, input)) ??
        (await openOrder(tenant, trx, pile.id, input.portNo, ['authorised'], cardNo))
      if (order) {
        if (order.status === 'cancelled' || order.status === 'refunded') {
          return { orderNo: order.orderNo, accepted: false }
        }
        if (order.status === 'authorised' || order.abnormalReason === 'no_start') {
          if (order.status === 'abnormal' && order.riderId !== null && order.capFen !== null) {
            // The late start's hold was released at no_start: held again, capped to what is left.
            order.capFen = await reopenHold(
              tenant,
              trx,
              { id: order.id, riderId: order.riderId, projectId: order.projectId },
              order.capFen
            )
          }
          const now = DateTime.fromJSDate(this.now())
          order.merge({
            status: 'charging',
            abnormalReason: null,
            abnormalAt: null,
            portNo: input.portNo,
            startedAt: DateTime.fromJSDate(input.at),
            startConfirmedAt: now,
            lastSeenAt: now,
            meterStartWh: input.meterStartWattHours ?? null,
          })
          order.transactionRef = input.transactionRef ?? order.transactionRef
          await order.save()
          await holdPort(trx, pile.id, input.portNo, order.orderNo)
        }
        return { orderNo: order.orderNo, accepted: true }
      }

      const tariff = await projectTariff(tenant, trx, pile.project_id)
      const base = {
        pile,
        portNo: input.portNo,
        tariff,
        at: input.at,
        transactionRef: input.transactionRef ?? input.orderNo ?? null,
        meterStartWattHours: input.meterStartWattHours ?? null,
        confirmedAt: this.now(),
      }
      if (input.idTag) {
        const swipe = await new CardService(tenant, this.audit).authorizeSwipe(
          tenant,
          trx,
          input.idTag
        )
        const allowed = swipe.ok
          ? await chargeCap(tenant, trx, swipe.rider.id, pile.project_id, tariff, { kind: 'full' })
          : null
        const refusal = swipe.ok ? (allowed === null ? 'insufficient_balance' : null) : swipe.reason
        // Kept as a cancelled order, so staff see what the pile tried.
        const created = await createOrder(tenant, trx, {
          ...base,
          riderId: swipe.ok ? swipe.rider.id : null,
          cardNo: cardNo ?? input.idTag.slice(0, 32),
          channel: 'card',
          duration: { kind: 'full' },
          cap: allowed?.cap ?? null,
          wallet: allowed?.wallet ?? null,
          status: refusal ? 'cancelled' : 'charging',
          cancelReason: refusal,
        })
        if (!refusal) await holdPort(trx, pile.id, input.portNo, created.orderNo)
        return { orderNo: created.orderNo, accepted: !refusal }
      }
      const created = await createOrder(tenant, trx, {
        ...base,
        riderId: null,
        cardNo: null,
        channel: 'ble',
        duration: { kind: 'full' },
        cap: null,
        status: 'charging',
      })
      await holdPort(trx, pile.id, input.portNo, created.orderNo)
      return { orderNo: created.orderNo, accepted: true }
    })
    await LiveEvents.ordersChanged(tenant.tenantId, [started.orderNo])
    if (started.accepted) await notifyChargeStarted(tenant, started.orderNo)
    return started
  }

  /**
   * The pile refused or failed a start: the waiting order (our number, else
   * the port's newest authorised one) is cancelled with the pile's reason
   * and its wallet hold released; nothing is posted. A repeat finds the
   * order cancelled and changes nothing.
   */
  async startFailed(
    tenant: TenantContext,
    input: StartFailureEvent
  ): Promise<{ orderNo: string | null; cancelled: boolean }> {
    const failed = await tenant.run(async (trx) => {
      await serializePort(trx, input.pileId, input.portNo)
      const order =
        (input.orderNo
          ? await findOrder(tenant, trx, input.pileId, { orderNo: input.orderNo }, true)
          : null) ??
        (await openOrder(tenant, trx, input.pileId, input.portNo, ['authorised'], null, true))
      if (!order) return { orderNo: input.orderNo, cancelled: false }
      const waiting =
        order.status === 'authorised' ||
        (order.status === 'abnormal' && order.abnormalReason === 'no_start')
      if (!waiting) return { orderNo: order.orderNo, cancelled: false }
      order.merge({
        status: 'cancelled',
        cancelReason: startFailureReason(input.reason),
        abnormalReason: null,
        abnormalAt: null,
      })
      await order.save()
      await releaseHolds(tenant, trx, [order.orderNo])
      await releasePort(trx, input.pileId, input.portNo, order.orderNo)
      return { orderNo: order.orderNo, cancelled: true }
    })
    if (failed.cancelled) {
      // 扫码即充: a start that failed returns the whole payment.
      await this.payPerCharge.returnCancelled(tenant, [failed.orderNo!])
      await LiveEvents.ordersChanged(tenant.tenantId, [failed.orderNo])
    }
    return failed
  }
}
