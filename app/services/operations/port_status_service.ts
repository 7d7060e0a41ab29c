import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import type { PortStatus } from '#models/pile_port'
import DeviceRefusal from '#services/operations/device_refusal'
import { recordDeviceChange, visiblePiles } from '#services/operations/registry_support'

/** The port whose status changes, and what else the audit record should say about why. */
export interface PortStatusChange {
  pileId: number
  projectId: number
  portNo: number
  status: PortStatus
  /** Kept in the audit record's `after`, e.g. the 报修 ticket it was done from. */
  cause?: Record<string, unknown>
}

/**
 * A port's 启用/停用 (pile_ports.status), which remote starts and card swipes
 * check; its reported state (idle, charging, fault) is the pile's and stays
 * apart. Set from the pile page and from a 报修 ticket; audit-logged in the
 * change's transaction.
 */
@inject()
export default class PortStatusService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** From the pile page: a pile of the staff member's projects (another's is a 404). */
  set(pileId: number, portNo: number, status: PortStatus) {
    return this.tenant.run(async (trx) => {
      const pile = await visiblePiles(this.tenant, trx).where('id', pileId).firstOrFail()
      await this.change({ pileId: pile.id, projectId: pile.projectId, portNo, status }, trx)
    })
  }

  /** In the caller's transaction, whose tenant and access it already checked. */
  async change(
    { pileId, projectId, portNo, status, cause }: PortStatusChange,
    trx: TransactionClientContract
  ) {
    const port = await trx
      .from('pile_ports')
      .where({ tenant_id: this.tenant.tenantId, pile_id: pileId, port_no: portNo })
      .forUpdate()
      .first()
    if (!port) throw new DeviceRefusal('portNotFound')
    if (port.status === status) {
      throw new DeviceRefusal(status === 'disabled' ? 'portAlreadyDisabled' : 'portAlreadyActive')
    }
    await trx
      .from('pile_ports')
      .where({ tenant_id: this.tenant.tenantId, id: port.id })
      .update({ status })
    await recordDeviceChange(
      this.audit,
      this.tenant,
      {
        action: status === 'disabled' ? 'devices.port_disable' : 'devices.port_enable',
        projectId,
        target: { type: 'pile', id: pileId },
        before: { portNo, status: port.status },
        after: { portNo, status, ...cause },
      },
      trx
    )
  }
}
