import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export const DEVICE_COMMANDS = ['stop', 'reboot', 'set_parameters'] as const
export type DeviceCommandName = (typeof DEVICE_COMMANDS)[number]
export const DEVICE_COMMAND_STATUSES = ['pending', 'sent', 'acked', 'failed', 'timeout'] as const
export type DeviceCommandStatus = (typeof DEVICE_COMMAND_STATUSES)[number]

/**
 * A command staff asked a pile to run: created `pending` by the admin, then
 * sent and answered by the gateway, which fills in the status and result.
 */
export default class DeviceCommand extends compose(
  BaseModel,
  TenantOwned,
  ProjectOwned,
  Timestamps
) {
  @column()
  declare pileId: number

  @column()
  declare portNo: number | null

  @column()
  declare command: DeviceCommandName

  @column()
  declare parameters: Record<string, unknown>

  @column()
  declare requestedByStaffId: number | null

  @column()
  declare status: DeviceCommandStatus

  @column()
  declare result: Record<string, unknown> | null

  @column.dateTime()
  declare sentAt: DateTime | null

  @column.dateTime()
  declare finishedAt: DateTime | null
}
