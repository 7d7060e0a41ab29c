import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type AuditService from '#core/audit/audit_service'
import ChargingOrder from '#models/charging_order'
import type TenantContext from '#core/tenancy/tenant_context'

/** An action on an order in the audit log, in the transaction of the change. */
export function recordOrderAction(
  audit: AuditService,
  tenant: TenantContext,
  trx: TransactionClientContract,
  action: string,
  order: Pick<ChargingOrder, 'id' | 'orderNo' | 'projectId'>,
  after: Record<string, unknown>
) {
  return audit.recordInContext(
    tenant,
    {
      action,
      projectId: order.projectId,
      target: { type: 'charging_order', id: order.id },
      before: null,
      after: { orderNo: order.orderNo, ...after },
    },
    trx
  )
}

/** The same, for an order named by number, in a transaction of its own (after the action committed). */
export function recordOrderActionByNo(
  audit: AuditService,
  tenant: TenantContext,
  action: string,
  orderNo: string,
  after: Record<string, unknown>
) {
  return tenant.run(async (trx) => {
    const order = await tenant
      .query(ChargingOrder, trx)
      .where('order_no', orderNo)
      .select('id', 'order_no', 'project_id')
      .firstOrFail()
    await recordOrderAction(audit, tenant, trx, action, order, after)
  })
}
