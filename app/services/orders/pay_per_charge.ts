import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import DomainRefusal from '#exceptions/domain_refusal'
import LiveEvents from '#core/live/live_events'
import { priceOfHours, type Tariff } from '#core/billing/tariff'
import TenantContext from '#core/tenancy/tenant_context'
import WalletRefusal from '#core/wallet/wallet_refusal'
import WalletService from '#core/wallet/wallet_service'
import ChargingOrder, { type RestReturnedTo } from '#models/charging_order'
import type {
  PayPerChargeOptions,
  PayPerChargeResult,
  PrepaidBill,
} from '#services/orders/pay_per_charge_types'
import PaymentOrder from '#models/payment_order'
import { dispatchRefunds } from '#services/finance/payment_queue'
import PaymentRefunds from '#services/finance/payment_refunds'
import QrPaymentService, { type MobilePaymentFields } from '#services/finance/qr_payment_service'
import ChargingRefusal from '#services/orders/charging_refusal'
import { findPile, lockPort, portTaken } from '#services/orders/charging_ports'
import { projectTariff } from '#services/orders/order_opening'
import RemoteControl from '#services/orders/remote_control'
import { dispatchDeviceCommand } from '#services/operations/gateway/device_command_queue'

/** Bounds of a prepaid amount (fen): ¥1 to ¥50, and never under the tariff's minimum. */
export const PREPAID_MIN_FEN = 100
export const PREPAID_MAX_FEN = 5000
/** The amounts the port page offers for 充满自停 (those the tariff's minimum allows). */
export const PREPAID_CHOICES_FEN = [200, 300, 500, 1000] as const

/** What the rider chose to pay for: stop when full within an amount, or N hours. */
export type PayPerChargeChoice = { kind: 'full'; fen: number } | { kind: 'hours'; hours: number }

/** A `charge` payment's purpose_data: where, what, and where the rest goes. */
export type ChargePurposeData = {
  pileId: number
  portNo: number
  choice: PayPerChargeChoice
  restTo: RestReturnedTo
}

/** What a paid charge payment did in its transaction, for the caller to finish after commit. */
export type ChargeStarted = {
  tenantId: number
  orderNo: string | null
  commandId: number | null
  refundIds: number[]
}

export class PayPerChargeRefusal extends DomainRefusal<
  'amountOutOfRange' | 'belowMinimum' | 'hoursOutOfRange' | 'paymentPending'
> {
  constructor(reason: PayPerChargeRefusal['reason']) {
    super('pay_per_charge', reason)
  }
}

/** The choices of the port page for a tariff: amounts, hours and their prices, bounds. */
export function payPerChargeOptions(tariff: Tariff): PayPerChargeOptions {
  const minFen = Math.max(PREPAID_MIN_FEN, tariff.minimumFen)
  return {
    amountsFen: PREPAID_CHOICES_FEN.filter((fen) => fen >= minFen),
    minFen,
    maxFen: PREPAID_MAX_FEN,
    hours: Array.from({ length: Math.max(0, tariff.maxHours) }, (_, index) => index + 1)
      .map((hours) => ({ hours, fen: priceOfHours(tariff, hours) }))
      .filter(({ fen }) => fen >= minFen && fen <= PREPAID_MAX_FEN),
  }
}

/** The price of a choice under a tariff; refused when out of bounds. */
export function priceOf(tariff: Tariff, choice: PayPerChargeChoice): number {
  const { minFen } = payPerChargeOptions(tariff)
  if (choice.kind === 'hours') {
    if (!Number.isInteger(choice.hours) || choice.hours < 1 || choice.hours > tariff.maxHours) {
      throw new PayPerChargeRefusal('hoursOutOfRange')
    }
    const fen = priceOfHours(tariff, choice.hours)
    if (fen < minFen || fen > PREPAID_MAX_FEN) throw new PayPerChargeRefusal('amountOutOfRange')
    return fen
  }
  if (choice.fen < PREPAID_MIN_FEN || choice.fen > PREPAID_MAX_FEN) {
    throw new PayPerChargeRefusal('amountOutOfRange')
  }
  if (choice.fen < tariff.minimumFen) throw new PayPerChargeRefusal('belowMinimum')
  return choice.fen
}

/**
 * 扫码即充: a charge paid on the spot instead of from the wallet. The
 * payment (purpose `charge`) is a top-up of the rider's wallet that starts
 * a wallet-paid order capped (and held) at the amount paid, in the same
 * transaction as the payment's pending → paid. Whatever the charge did not
 * use goes back once per payment (ledger key `charge-rest:<paymentNo>`,
 * the order row locked): through the provider's refund API, or it stays
 * in the wallet when the rider chose so. A start that fails returns it all.
 */
export default class PayPerCharge {
  constructor(
    protected payments = new QrPaymentService(),
    protected remote = new RemoteControl(),
    protected wallet = new WalletService(),
    protected refunds = new PaymentRefunds()
  ) {}

  /**
   * Opens the payment for a charge at a free port, refused (nothing
   * opened) when the rider is frozen, the port cannot start, the amount is
   * out of bounds or another payment of this rider for this port is still
   * open. A retry with the page's key gets the first payment back.
   */
  async open(
    tenant: TenantContext,
    input: {
      riderId: number
      pileId: number
      portNo: number
      choice: PayPerChargeChoice
      restTo: RestReturnedTo
      idempotencyKey: string
      description: (fen: number) => string
      payment: MobilePaymentFields
    }
  ): Promise<PaymentOrder> {
    const { projectId, amount } = await tenant.run(async (trx) => {
      const earlier = await tenant
        .query(PaymentOrder, trx)
        .where('idempotency_key', input.idempotencyKey)
        .first()
      if (earlier) return { projectId: earlier.projectId, amount: earlier.amount }
      const rider = await trx
        .from('riders')
        .where({ tenant_id: tenant.tenantId, id: input.riderId })
        .first()
      if (!rider) throw new ChargingRefusal('riderNotFound')
      if (rider.status === 'frozen') throw new ChargingRefusal('riderFrozen')
      const pile = await this.#startablePile(tenant, trx, input.pileId, input.portNo)
      const tariff = await projectTariff(tenant, trx, pile.project_id)
      return { projectId: pile.project_id, amount: priceOf(tariff.rules, input.choice) }
    })
    // The project's cap on one top-up applies: the payment enters the wallet as one.
    await this.wallet.checkTopUp(tenant, {
      riderId: input.riderId,
      projectId,
      realAmount: amount,
    })
    const purposeData: ChargePurposeData = {
      pileId: input.pileId,
      portNo: input.portNo,
      choice: input.choice,
      restTo: input.restTo,
    }
    return this.payments.startMobile(tenant, {
      purpose: 'charge',
      projectId,
      riderId: input.riderId,
      amount,
      purposeData,
      description: input.description(amount),
      idempotencyKey: input.idempotencyKey,
      payment: input.payment,
      // One open payment per rider and port, checked where the order is inserted.
      withinLock: async (trx) => {
        const open = await tenant
          .query(PaymentOrder, trx)
          .where({ rider_id: input.riderId, purpose: 'charge' })
          .whereIn('status', ['created', 'pending'])
          .where('expires_at', '>', new Date())
          .whereRaw(`(purpose_data->>'pileId')::bigint = ?`, [input.pileId])
          .whereRaw(`(purpose_data->>'portNo')::int = ?`, [input.portNo])
          .first()
        if (open) throw new PayPerChargeRefusal('paymentPending')
      },
    })
  }

  /**
   * A charge payment paid, inside PaymentSettlement's transaction: the
   * top-up (referencing the payment), then the start with the amount as
   * its cap. A start refused now (port taken, pile offline, rider frozen)
   * returns the whole amount per the rider's choice.
   */
  async fulfilWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    payment: PaymentOrder
  ): Promise<ChargeStarted> {
    const data = payment.purposeData as ChargePurposeData
    await this.wallet.topUpQr(
      tenant,
      {
        riderId: payment.riderId!,
        projectId: payment.projectId,
        paymentId: payment.paymentNo,
        realAmount: payment.amount,
      },
      trx
    )
    const none = { tenantId: tenant.tenantId, orderNo: null, commandId: null }
    try {
      const started = await trx.transaction((savepoint) =>
        this.remote.startWithin(tenant, savepoint, {
          pileId: data.pileId,
          portNo: data.portNo,
          riderId: payment.riderId!,
          durationType:
            data.choice.kind === 'hours'
              ? { kind: 'hours', hours: data.choice.hours }
              : { kind: 'full' },
          channel: 'app',
          prepaid: { paymentOrderId: payment.id, fen: payment.amount },
        })
      )
      return { ...started, tenantId: tenant.tenantId, refundIds: [] }
    } catch (error) {
      if (!(error instanceof ChargingRefusal)) throw error
      const { refundIds } = await this.#returnWithin(tenant, trx, payment, payment.amount)
      return { ...none, refundIds }
    }
  }

  /** After the payment's commit: the start command to the gateway, the refunds to the provider. */
  async afterPaid(started: ChargeStarted) {
    if (started.commandId !== null) await dispatchDeviceCommand(started.commandId)
    if (started.orderNo) await LiveEvents.ordersChanged(started.tenantId, [started.orderNo])
    await dispatchRefunds(started.tenantId, started.refundIds)
  }

  /**
   * The rest of a settled (or cancelled) pay-per-charge order, inside the
   * caller's transaction with the order row locked: paid − deducted (the
   * bill less any coupon; 0 for a start that failed), back
   * per the rider's choice, recorded on the order. Nothing for a
   * wallet-paid order or one whose rest went already. Refund ids to
   * dispatch after commit.
   */
  async returnRestWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: ChargingOrder,
    deducted: number
  ): Promise<number[]> {
    if (order.paymentOrderId === null || order.restReturnedFen !== null) return []
    const payment = await tenant
      .query(PaymentOrder, trx)
      .where('id', order.paymentOrderId)
      .forUpdate()
      .firstOrFail()
    const rest = Math.max(0, payment.amount - deducted)
    const { refundIds, returned } = await this.#returnWithin(tenant, trx, payment, rest)
    await tenant
      .query(ChargingOrder, trx)
      .where('id', order.id)
      .update({
        restReturnedFen: returned,
        restReturnedTo: (payment.purposeData as ChargePurposeData).restTo,
        updatedAt: DateTime.now().toJSDate(),
      })
    return refundIds
  }

  /**
   * Cancelled starts (the pile refused, the command failed or timed out):
   * their whole payment goes back, each order in its own transaction.
   */
  async returnCancelled(tenant: TenantContext, orderNos: string[]) {
    for (const orderNo of orderNos) {
      const refundIds = await tenant.run(async (trx) => {
        const order = await tenant
          .query(ChargingOrder, trx)
          .where({ order_no: orderNo, status: 'cancelled' })
          .whereNotNull('payment_order_id')
          .forUpdate()
          .first()
        return order ? this.returnRestWithin(tenant, trx, order, 0) : []
      })
      await dispatchRefunds(tenant.tenantId, refundIds)
    }
  }

  /**
   * `amount` of `payment` back per the rider's choice: left in the wallet,
   * or the wallet's refund entry (system-posted, keyed on the payment,
   * bonus kept) with the provider refund, never more than paid. A wallet
   * that cannot give it (spent by another order meanwhile) keeps it: the
   * rider still has it there, and 0 is returned to the payment.
   */
  async #returnWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    payment: PaymentOrder,
    amount: number
  ): Promise<{ refundIds: number[]; returned: number }> {
    if ((payment.purposeData as ChargePurposeData).restTo !== 'original') {
      return { refundIds: [], returned: amount }
    }
    const refundable = Math.min(amount, payment.amount - payment.refundedAmount)
    if (refundable <= 0) return { refundIds: [], returned: 0 }
    try {
      return await trx.transaction(async (savepoint) => {
        const posted = await this.wallet.postWithin(
          tenant,
          {
            type: 'refund',
            riderId: payment.riderId!,
            projectId: payment.projectId,
            amount: refundable,
            reason: 'charge_rest',
            paymentNo: payment.paymentNo,
            idempotencyKey: `charge-rest:${payment.paymentNo}`,
          },
          savepoint
        )
        if (posted.duplicate) return { refundIds: [], returned: 0 }
        const refundId = await this.refunds.openWithin(
          tenant,
          savepoint,
          payment,
          refundable,
          'charge_rest',
          { reason: 'charge_rest', ledgerEntryId: posted.entry.id }
        )
        return { refundIds: [refundId], returned: refundable }
      })
    } catch (error) {
      if (error instanceof WalletRefusal) return { refundIds: [], returned: 0 }
      throw error
    }
  }

  /** The rider's charge payment by the page's key, as its result page shows it; null if not theirs. */
  result(rider: { tenantId: number; riderId: number }, key: string) {
    const tenant = TenantContext.forJob(rider.tenantId)
    return tenant.run(async (trx): Promise<PayPerChargeResult | null> => {
      const payment = await tenant
        .query(PaymentOrder, trx)
        .where({ idempotency_key: key, rider_id: rider.riderId, purpose: 'charge' })
        .first()
      if (!payment) return null
      const order = await tenant
        .query(ChargingOrder, trx)
        .where('payment_order_id', payment.id)
        .first()
      const paid = payment.status === 'paid'
      return {
        status: payment.status === 'created' ? 'pending' : payment.status,
        amountFen: payment.amount,
        orderNo: order?.orderNo ?? null,
        startFailed: paid && (!order || order.status === 'cancelled'),
        restTo: (payment.purposeData as ChargePurposeData).restTo,
      }
    })
  }

  /** The pile and port can start a charge now (read under the port's lock), else refused. */
  async #startablePile(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pileId: number,
    portNo: number
  ) {
    const pile = await findPile(tenant, trx, pileId)
    if (!pile || !tenant.canSeeProject(pile.project_id)) throw new ChargingRefusal('pileNotFound')
    if (pile.status !== 'active') throw new ChargingRefusal('pileDisabled')
    if (!pile.online) throw new ChargingRefusal('pileOffline')
    const port = await lockPort(tenant, trx, pileId, portNo)
    if (!port) throw new ChargingRefusal('portNotFound')
    if (port.status === 'disabled') throw new ChargingRefusal('portDisabled')
    if (port.state === 'fault') throw new ChargingRefusal('portFault')
    if (port.state === 'charging' || (await portTaken(tenant, trx, pileId, portNo))) {
      throw new ChargingRefusal('portBusy')
    }
    return pile
  }
}

export function prepaidBill(
  order: Pick<ChargingOrder, 'amountFen' | 'restReturnedFen' | 'restReturnedTo'>,
  paidFen: number | null
): PrepaidBill | null {
  if (paidFen === null) return null
  return {
    paidFen,
    consumedFen: order.amountFen,
    returnedFen: order.restReturnedFen,
    returnedTo: order.restReturnedTo,
  }
}
