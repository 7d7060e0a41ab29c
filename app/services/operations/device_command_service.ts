import { inject } from '@adonisjs/core'
import DeviceCommand, { type DeviceCommandName } from '#models/device_command'
import { dispatchDeviceCommand } from '#services/operations/gateway/device_command_queue'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import DeviceRefusal from '#services/operations/device_refusal'
import { recordDeviceChange, visiblePiles } from '#services/operations/registry_support'

/** 远程停止 (a port), 重启, 设置参数 (power in W, minutes). */
export type DeviceCommandInput = {
  command: DeviceCommandName
  portNo?: number | null
  parameters?: { maxPowerWatts?: number; maxMinutes?: number; fullPowerWatts?: number }
}

/** 运维 → 充电桩 → 远程控制: staff's commands for the gateway to send. */
@inject()
export default class DeviceCommandService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /**
   * 远程停止 / 重启 / 设置参数: recorded as a pending command (audit-logged)
   * and queued for the gateway, which sends it and fills in the status and result.
   */
  async request(pileId: number, input: DeviceCommandInput) {
    const queued = await this.tenant.run(async (trx) => {
      const pile = await visiblePiles(this.tenant, trx).where('id', pileId).firstOrFail()
      const portNo = input.command === 'stop' ? (input.portNo ?? null) : null
      if (input.command === 'stop') {
        if (portNo === null) throw new DeviceRefusal('commandNeedsPort')
        if (portNo > pile.portCount) throw new DeviceRefusal('portNotFound')
      }
      const parameters = input.command === 'set_parameters' ? { ...input.parameters } : {}
      if (input.command === 'set_parameters' && Object.keys(parameters).length === 0) {
        throw new DeviceRefusal('commandNeedsParameters')
      }
      const command = await DeviceCommand.create(
        {
          tenantId: this.tenant.tenantId,
          projectId: pile.projectId,
          pileId: pile.id,
          portNo,
          command: input.command,
          parameters,
          requestedByStaffId: this.tenant.staffId,
          status: 'pending',
        },
        { client: trx }
      )
      await recordDeviceChange(
        this.audit,
        this.tenant,
        {
          action: `devices.command_${input.command}`,
          projectId: pile.projectId,
          target: { type: 'pile', id: pile.id },
          before: null,
          after: { commandId: command.id, command: input.command, portNo, parameters },
        },
        trx
      )
      return command
    })
    await dispatchDeviceCommand(queued.id)
    return queued
  }
}
