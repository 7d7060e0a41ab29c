import { defineJob } from '#core/queue/job'
import TenantContext from '#core/tenancy/tenant_context'
import { followUpPayments } from '#services/finance/payment_follow_up'
import {
  APPLY_PAYMENT_EVENT,
  FOLLOW_UP_PAYMENTS,
  RECONCILE_PAYMENTS,
  SEND_REFUND,
  type ApplyPaymentEventPayload,
  type FollowUpPaymentsPayload,
  type ReconcilePaymentsPayload,
  type SendRefundPayload,
} from '#services/finance/payment_queue'
import PaymentRefunds from '#services/finance/payment_refunds'
import PaymentSettlement from '#services/finance/payment_settlement'
import ReconciliationService from '#services/finance/reconciliation_service'

/* The payments queue's handlers; the jobs are declared in #services/finance/payment_queue. */

export const applyPaymentEventJob = defineJob<ApplyPaymentEventPayload>({
  ...APPLY_PAYMENT_EVENT,
  handle({ tenantId, event }) {
    return new PaymentSettlement().applyEvent(TenantContext.forJob(tenantId), event)
  },
})

export const sendRefundJob = defineJob<SendRefundPayload>({
  ...SEND_REFUND,
  async handle({ tenantId, refundId }) {
    await new PaymentRefunds().send(TenantContext.forJob(tenantId), refundId)
  },
})

export const followUpPaymentsJob = defineJob<FollowUpPaymentsPayload>({
  ...FOLLOW_UP_PAYMENTS,
  handle(options) {
    return followUpPayments(options)
  },
})

export const reconcilePaymentsJob = defineJob<ReconcilePaymentsPayload>({
  ...RECONCILE_PAYMENTS,
  handle({ date }) {
    return new ReconciliationService().reconcileAll(date)
  },
})
