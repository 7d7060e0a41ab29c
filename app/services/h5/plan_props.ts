import type { H5Me } from '#services/h5/h5_types'
import type { PlanTermsView, RiderPlanView } from '#services/settings/plan_props'

/*
 * The rider H5's 套餐 page: what the service returns and the page imports
 * (types only). Type aliases, not interfaces: Inertia props must be plain JSON types.
 */

/** A plan on offer, as the H5 套餐 page lists it. */
export type H5PlanOffer = PlanTermsView & { id: number }

export type H5PlansPageProps = {
  offers: H5PlanOffer[]
  mine: RiderPlanView[]
  me: H5Me
  /** The mobile payment just opened: where the page sends the phone to pay it (h5 mode). */
  payment: { paymentNo: string; status: string; redirectUrl: string | null } | null
}
