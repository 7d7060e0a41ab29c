import { planTerms } from '#models/plan'
import PaymentOrder from '#models/payment_order'
import type TenantContext from '#core/tenancy/tenant_context'
import QrPaymentService, {
  mobilePaymentOf,
  type MobilePaymentFields,
} from '#services/finance/qr_payment_service'
import RiderBalance from '#services/h5/rider_balance'
import type { H5Rider } from '#services/h5/h5_types'
import PlanRefusal from '#services/riders/plan_refusal'
import RiderPlanService from '#services/riders/rider_plan_service'
import type { H5PlansPageProps } from '#services/h5/plan_props'

/**
 * The H5 套餐 page: the plans of the rider's project and the rider's own;
 * bought from the wallet's available balance or by a mobile payment
 * (purpose `plan`, credited and spent once paid).
 */
export default class H5Plans {
  constructor(
    protected plans = new RiderPlanService(),
    protected balance = new RiderBalance(),
    protected payments = new QrPaymentService()
  ) {}

  async page(
    tenant: TenantContext,
    rider: H5Rider,
    paymentNo: string | null
  ): Promise<H5PlansPageProps> {
    const offers = await this.plans.offered(tenant, rider.projectId)
    const payment = paymentNo
      ? await tenant.run((trx) =>
          tenant
            .query(PaymentOrder, trx)
            .where({ payment_no: paymentNo, rider_id: rider.riderId, purpose: 'plan' })
            .first()
        )
      : null
    const opened = payment ? mobilePaymentOf(payment) : null
    const redirectUrl = opened && 'redirectUrl' in opened ? String(opened.redirectUrl) : null
    return {
      offers: offers.map((plan) => ({
        id: plan.id,
        ...planTerms(plan),
      })),
      mine: await this.plans.list(tenant, rider.riderId, rider.projectId),
      me: await this.balance.me(rider),
      payment: payment
        ? { paymentNo: payment.paymentNo, status: payment.status, redirectUrl }
        : null,
    }
  }

  /** Bought from the wallet; the page's key makes a resubmission buy nothing more. */
  buyFromWallet(tenant: TenantContext, rider: H5Rider, planId: number, key: string) {
    return this.plans.purchase(tenant, {
      riderId: rider.riderId,
      planId: planId,
      paidBy: 'wallet',
      idempotencyKey: `h5:${rider.riderId}:${key}`,
    })
  }

  /** Opens a mobile payment for the plan (h5 mode); the settlement buys it once paid. */
  async pay(
    tenant: TenantContext,
    rider: H5Rider,
    planId: number,
    key: string,
    payment: MobilePaymentFields
  ) {
    const offers = await this.plans.offered(tenant, rider.projectId)
    const plan = offers.find((offer) => offer.id === planId)
    if (!plan) throw new PlanRefusal('planNotFound')
    return this.payments.startMobile(tenant, {
      purpose: 'plan',
      projectId: plan.projectId,
      riderId: rider.riderId,
      amount: plan.priceFen,
      purposeData: { planId: plan.id },
      description: plan.name,
      idempotencyKey: `h5-plan:${rider.riderId}:${key}`,
      payment,
    })
  }
}
