import type { HttpContext } from '@adonisjs/core/http'
import { requestDetails } from '#core/audit/audit_service'
import type { H5Payer, H5Rider } from '#services/h5/h5_types'
import RiderSignIn from '#services/h5/rider_sign_in'

/*
| The rider H5's session, shared by its controllers: the signed-in rider
| (one tenant, the pile's) under a key apart from any staff sign-in, and
| the payer identity a WeChat or Alipay sign-in leaves for paying in-app.
*/
const RIDER_KEY = 'h5Rider'
const PAYER_KEY = 'h5Payer'

export function readH5Rider(ctx: HttpContext): H5Rider | null {
  const value = ctx.session.get(RIDER_KEY) as Partial<H5Rider> | undefined
  if (!value || !value.tenantId || !value.riderId || !value.projectId) return null
  return { tenantId: value.tenantId, riderId: value.riderId, projectId: value.projectId }
}

/** Signs a rider in with a new session id, as for staff: no fixation. */
export function signInH5Rider(ctx: HttpContext, rider: H5Rider, payer?: H5Payer) {
  ctx.session.regenerate()
  ctx.session.put(RIDER_KEY, rider)
  if (payer) ctx.session.put(PAYER_KEY, payer)
  else ctx.session.forget(PAYER_KEY)
}

export function signOutH5Rider(ctx: HttpContext) {
  ctx.session.forget(RIDER_KEY)
  ctx.session.forget(PAYER_KEY)
}

/** The in-app payer identity of the signed-in rider, when the sign-in came from WeChat or Alipay. */
export function readH5Payer(ctx: HttpContext): H5Payer | null {
  const rider = readH5Rider(ctx)
  const value = ctx.session.get(PAYER_KEY) as Partial<H5Payer> | undefined
  if (!rider || !value || value.tenantId !== rider.tenantId) return null
  if ((value.provider !== 'wechat' && value.provider !== 'alipay') || !value.payerId) return null
  return { tenantId: value.tenantId, provider: value.provider, payerId: value.payerId }
}

const signIn = new RiderSignIn()

/** The rider and the context their changes run (and are audited) in. */
export async function signedInH5Rider(ctx: HttpContext) {
  const rider = readH5Rider(ctx)
  const tenant = rider ? await signIn.contextFor(rider, requestDetails(ctx)) : null
  return rider && tenant ? { rider, tenant } : null
}

export function renderH5Unknown(ctx: HttpContext) {
  ctx.response.status(404)
  return ctx.inertia.render('h5/missing', {})
}

export function renderH5SignedOut(ctx: HttpContext) {
  ctx.response.status(401)
  return ctx.inertia.render('h5/signed_out', {})
}
