import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import i18nManager from '@adonisjs/i18n/services/main'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import PaymentOrder from '#models/payment_order'
import Rider from '#models/rider'
import TopupPackage from '#models/topup_package'
import { formatYuan } from '#sdk/money'
import QrPaymentService, { mobilePaymentOf } from '#services/finance/qr_payment_service'
import H5TopupRefusal from '#services/h5/h5_topup_refusal'
import type { H5Me, H5Payer, H5Rider } from '#services/h5/h5_types'
import RiderBalance from '#services/h5/rider_balance'
import { phoneModeFor, phonePaymentFor, type H5PayingBrowser } from '#services/h5/topup_modes'
import type { H5TopupPageProps } from '#services/h5/topup_props'
import type { MobilePaymentView } from '#services/finance/mobile_payment_view'

/** Whole yuan a custom amount may be (no bonus on it). */
export const CUSTOM_YUAN = { min: 1, max: 500 } as const

/** Unpaid top-ups a rider may open in an hour: each is an order at the provider. */
export const OPEN_PER_HOUR = 5

/** What 去支付 sends: a package or whole yuan, and the page's key for this attempt. */
export type H5TopupInput = { packageId?: number; amountYuan?: number; attempt: string }

/** The payment order's key: one rider's attempt, never another rider's nor another channel's. */
export function topupKey(rider: H5Rider, attempt: string) {
  return `h5topup:${rider.riderId}:${attempt}`
}

export function availableFen(me: H5Me) {
  return me.realBalance + me.bonusBalance - me.heldRealFen - me.heldBonusFen
}

/**
 * 充值 from the rider's phone: the project's packages or a custom amount,
 * paid in-app (jsapi) when the rider signed in through the provider's app,
 * otherwise by the provider's mobile page (h5). The order is the payment
 * core's like any top-up (purpose 'topup', the package's bonus), so
 * PaymentSettlement credits it once it is paid.
 */
export default class RiderTopup {
  constructor(
    protected payments = new QrPaymentService(),
    protected wallet = new WalletService(),
    protected balance = new RiderBalance()
  ) {}

  async page(rider: H5Rider, payer: H5Payer | null): Promise<H5TopupPageProps> {
    const tenant = TenantContext.forJob(rider.tenantId)
    const packages = await tenant.run((trx) =>
      tenant
        .query(TopupPackage, trx)
        .where({ project_id: rider.projectId, enabled: true })
        .orderBy('sort_order')
        .orderBy('id')
    )
    const me = await this.balance.me(rider)
    return {
      packages: packages.map((row) => ({ id: row.id, amount: row.amount, bonus: row.bonus })),
      customYuan: { ...CUSTOM_YUAN },
      availableFen: availableFen(me),
      frozen: me.frozen,
      payable: (await phoneModeFor(tenant, rider.projectId, payer)) !== null,
    }
  }

  /**
   * Opens the top-up (or finds the one this attempt opened) and returns
   * what the page acts on; refused, with nothing opened, for a frozen
   * rider, another project's package, the hourly cap or a phone-less channel.
   */
  async open(
    tenant: TenantContext,
    rider: H5Rider,
    payer: H5Payer | null,
    input: H5TopupInput,
    browser: H5PayingBrowser
  ): Promise<{ paymentNo: string; payment: MobilePaymentView | null }> {
    const idempotencyKey = topupKey(rider, input.attempt)
    const earlier = await tenant.run((trx) =>
      tenant.query(PaymentOrder, trx).where('idempotency_key', idempotencyKey).first()
    )
    if (earlier) return { paymentNo: earlier.paymentNo, payment: mobilePaymentOf(earlier) }

    await this.#checkRider(tenant, rider)
    const { realAmount, bonusAmount, packageId } = await this.#amounts(tenant, rider, input)
    await this.wallet.checkTopUp(tenant, {
      riderId: rider.riderId,
      projectId: rider.projectId,
      realAmount,
      bonusAmount: bonusAmount || undefined,
    })
    const payment = await phonePaymentFor(tenant, rider.projectId, payer, browser)
    if (!payment) throw new H5TopupRefusal('notOnPhone')

    const order = await this.payments.startMobile(tenant, {
      purpose: 'topup',
      projectId: rider.projectId,
      riderId: rider.riderId,
      amount: realAmount,
      bonusAmount,
      purposeData: packageId ? { packageId } : {},
      description: i18nManager
        .locale(i18nManager.defaultLocale)
        .t('payments.topupDescription', { amount: formatYuan(realAmount) }),
      idempotencyKey,
      payment,
      withinLock: this.#capOpen(tenant, rider),
    })
    return { paymentNo: order.paymentNo, payment: mobilePaymentOf(order) }
  }

  async #checkRider(tenant: TenantContext, rider: H5Rider) {
    await tenant.run(async (trx) => {
      const found = await tenant.query(Rider, trx).where('id', rider.riderId).firstOrFail()
      if (found.status === 'frozen') throw new H5TopupRefusal('frozen')
    })
  }

  /** The hourly cap, inside startMobile's transaction with the rider locked. */
  #capOpen(tenant: TenantContext, rider: H5Rider) {
    return async (trx: TransactionClientContract) => {
      const opened = await tenant
        .query(PaymentOrder, trx)
        .where('rider_id', rider.riderId)
        .whereLike('idempotency_key', 'h5topup:%')
        .whereNot('status', 'paid')
        .where('created_at', '>', DateTime.utc().minus({ hours: 1 }).toSQL()!)
        .count('* as total')
        .first()
      if (Number(opened?.$extras.total ?? 0) >= OPEN_PER_HOUR) {
        throw new H5TopupRefusal('tooManyOpen')
      }
    }
  }

  async #amounts(tenant: TenantContext, rider: H5Rider, input: H5TopupInput) {
    if (input.packageId === undefined) {
      return { realAmount: input.amountYuan! * 100, bonusAmount: 0, packageId: null }
    }
    const found = await tenant.run((trx) =>
      tenant
        .query(TopupPackage, trx)
        .where({ id: input.packageId, project_id: rider.projectId, enabled: true })
        .first()
    )
    if (!found) throw new H5TopupRefusal('packageNotFound')
    return { realAmount: found.amount, bonusAmount: found.bonus, packageId: found.id }
  }
}
