import TenantContext from '#core/tenancy/tenant_context'
import PaymentOrder from '#models/payment_order'
import type { H5Rider } from '#services/h5/h5_types'
import RiderBalance from '#services/h5/rider_balance'
import { mobilePaymentOf } from '#services/finance/qr_payment_service'
import { availableFen, topupKey } from '#services/h5/rider_topup'
import type { H5TopupResultPageProps, H5TopupState, H5TopupStatus } from '#services/h5/topup_props'

const STATUSES: Record<PaymentOrder['status'], H5TopupStatus> = {
  created: 'pending',
  pending: 'pending',
  paid: 'paid',
  closed: 'failed',
  failed: 'failed',
}

/**
 * 充值结果: a top-up of the signed-in rider, as its payment order stands
 * (the provider's notification credits the wallet, not this page), and
 * the balance after it. Only the rider's own orders are found; any other
 * number is unknown.
 */
export default class TopupResults {
  constructor(protected balance = new RiderBalance()) {}

  async state(rider: H5Rider, paymentNo: string): Promise<H5TopupState | null> {
    const order = await this.#own(rider, { payment_no: paymentNo })
    return order ? this.#state(rider, order) : null
  }

  async page(
    rider: H5Rider,
    paymentNo: string,
    invoke: boolean
  ): Promise<H5TopupResultPageProps | null> {
    const order = await this.#own(rider, { payment_no: paymentNo })
    if (!order) return null
    const topup = await this.#state(rider, order)
    const payment = topup.status === 'pending' ? mobilePaymentOf(order) : null
    return { topup, payment, invoke: invoke && payment !== null }
  }

  /** The payment number an attempt of this rider opened (where the provider sends the rider back). */
  async paymentNoOf(rider: H5Rider, attempt: string) {
    const order = await this.#own(rider, { idempotency_key: topupKey(rider, attempt) })
    return order?.paymentNo ?? null
  }

  #own(rider: H5Rider, by: { payment_no: string } | { idempotency_key: string }) {
    const tenant = TenantContext.forJob(rider.tenantId)
    return tenant.run((trx) =>
      tenant
        .query(PaymentOrder, trx)
        .where({ rider_id: rider.riderId, purpose: 'topup', ...by })
        .first()
    )
  }

  async #state(rider: H5Rider, order: PaymentOrder): Promise<H5TopupState> {
    return {
      paymentNo: order.paymentNo,
      status: STATUSES[order.status],
      amount: order.amount,
      bonusAmount: order.bonusAmount,
      availableFen: availableFen(await this.balance.me(rider)),
    }
  }
}
