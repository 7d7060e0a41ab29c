import vine from '@vinejs/vine'
import { DEVICE_COMMANDS } from '#models/device_command'
import { PILE_STATUSES } from '#models/pile'
import { PORT_STATUSES } from '#models/pile_port'
import { STATION_STATUSES } from '#models/station'
import { VENDOR_PLUGIN_ID } from '#services/operations/device_keys'

const id = () => vine.number({ strict: true }).withoutDecimals().min(1)
const queryId = () => vine.number().withoutDecimals().min(1).optional()
const optionalText = (max: number) => vine.string().trim().maxLength(max).nullable().optional()
const paging = {
  page: vine.number().withoutDecimals().min(1).max(100000).optional(),
  perPage: vine.number().in([10, 20, 50, 100]).optional(),
}

/** 厂商: name, the vendor plugin's id (kebab-case, `vendor-…`), contact, note. */
export const vendorValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(64),
  pluginId: vine.string().trim().maxLength(64).regex(VENDOR_PLUGIN_ID),
  contact: optionalText(128),
  note: optionalText(500),
})

export const stationListValidator = vine.create({
  name: vine.string().trim().maxLength(64).optional(),
  projectId: queryId(),
  status: vine.enum(STATION_STATUSES).optional(),
  ...paging,
})

/** 站点: coordinates are given both or neither (WGS-84 degrees). */
export const stationValidator = vine.create({
  projectId: id(),
  name: vine.string().trim().minLength(1).maxLength(64),
  address: optionalText(255),
  latitude: vine.number({ strict: true }).min(-90).max(90).decimal([0, 6]).nullable().optional(),
  longitude: vine.number({ strict: true }).min(-180).max(180).decimal([0, 6]).nullable().optional(),
  status: vine.enum(STATION_STATUSES),
})

export const pileListValidator = vine.create({
  keyword: vine.string().trim().maxLength(64).optional(),
  projectId: queryId(),
  stationId: queryId(),
  vendorId: queryId(),
  online: vine.enum(['online', 'offline']).optional(),
  ...paging,
})

const pileFields = {
  stationId: id(),
  vendorId: id(),
  name: vine.string().trim().minLength(1).maxLength(64),
  portCount: vine.number({ strict: true }).withoutDecimals().min(1).max(64),
  firmware: optionalText(64),
  iccid: optionalText(32),
  protocolVersion: optionalText(32),
  heartbeatIntervalSeconds: vine
    .number({ strict: true })
    .withoutDecimals()
    .min(10)
    .max(3600)
    .optional(),
}

/** A pile registered by hand; the device key is checked per plugin by the service. */
export const pileValidator = vine.create({
  ...pileFields,
  deviceKey: vine.string().trim().minLength(1).maxLength(64),
})

/** Editing a pile: its identity (plugin, device key) stays. */
export const pileUpdateValidator = vine.create({
  ...pileFields,
  status: vine.enum(PILE_STATUSES),
})

/** 认领: a pile that logged in unknown, named by the code printed on it, placed at a station. */
export const pileClaimValidator = vine.create({
  stationId: id(),
  vendorId: id(),
  code: vine.string().trim().minLength(1).maxLength(64),
  name: vine.string().trim().minLength(1).maxLength(64),
})

/** 远程停止 (a port), 重启, 设置参数 (power in W, minutes). */
export const deviceCommandValidator = vine.create({
  command: vine.enum(DEVICE_COMMANDS),
  portNo: vine.number({ strict: true }).withoutDecimals().min(1).max(64).nullable().optional(),
  parameters: vine
    .object({
      maxPowerWatts: vine.number({ strict: true }).withoutDecimals().min(1).max(10000).optional(),
      maxMinutes: vine.number({ strict: true }).withoutDecimals().min(1).max(1440).optional(),
      fullPowerWatts: vine.number({ strict: true }).withoutDecimals().min(1).max(10000).optional(),
    })
    .optional(),
})

/** 生成/轮换设备密钥; `push` sends it to a connected OCPP charger. */
export const pileSecretValidator = vine.create({
  push: vine.boolean().optional(),
})

/** 允许无认证接入 on or off. */
/** 停用/启用 of one port, from the pile page or a 报修 ticket. */
export const portStatusValidator = vine.create({
  status: vine.enum(PORT_STATUSES),
})

export const pileUnauthenticatedValidator = vine.create({
  allowed: vine.boolean({ strict: true }),
})
