import { vine } from '#sdk/schema'
import { hexBytes, toHex } from '#sdk/bytes'
import {
  DNY_CARD_TYPES,
  DNY_CHARGE_CONTROL_RESULTS,
  DNY_COMMANDS,
  DNY_MODIFY_RESULTS,
  DNY_PORT_STATUSES,
  DNY_POWER_REPORT_STATUSES,
  DNY_START_MODES,
  DNY_STOP_REASONS,
  codesOf,
} from './codes.js'
import { defineMessage, messageTable, rules } from './message_definition.js'
import {
  optionalPortFromWire,
  optionalPortToWire,
  portFromWire,
  portToWire,
  portsFromBits,
  portsToBits,
  readTemperature,
  temperatureToWire,
  writeTrailing,
} from './wire_values.js'

/*
 * Device to server. Units are named in the field: power in 0.1 W
 * (deciwatts), energy in 0.01 kWh (centi-kWh), voltage in 0.1 V, money in
 * fen, durations in seconds. Ports are 1-based.
 */

const register = defineMessage({
  command: DNY_COMMANDS.register,
  type: 'register',
  schema: vine.object({
    type: vine.literal('register'),
    /** 100 = V1.00. */
    firmwareVersion: rules.u16(),
    portCount: rules.portCount(),
    /** Address inside a 485/LoRa group; 0 for piles that do not group. */
    virtualId: rules.u8(),
    /** Product model (the document's device type table), not the physical id's type byte. */
    deviceModel: rules.u8(),
    /** Bit 0: 0 online, 1 card-only; bits 1-3 metering chip, short pre-check, light mode. */
    workMode: rules.u8().optional(),
    powerBoardVersion: rules.u16().optional(),
  }),
  read: (reader) => ({
    firmwareVersion: reader.u16('firmwareVersion'),
    portCount: reader.u8('portCount'),
    virtualId: reader.u8('virtualId'),
    deviceModel: reader.u8('deviceModel'),
    workMode: reader.optional(1, () => reader.u8('workMode')),
    powerBoardVersion: reader.optional(2, () => reader.u16('powerBoardVersion')),
  }),
  write: (writer, message) => {
    writer
      .u16(message.firmwareVersion)
      .u8(message.portCount)
      .u8(message.virtualId)
      .u8(message.deviceModel)
    writeTrailing(writer, [
      [message.workMode, (w) => w.u8(message.workMode!)],
      [message.powerBoardVersion, (w) => w.u16(message.powerBoardVersion!)],
    ])
  },
})

const heartbeat = defineMessage({
  command: DNY_COMMANDS.heartbeat,
  type: 'heartbeat',
  schema: vine.object({
    type: vine.literal('heartbeat'),
    voltageDecivolts: rules.u16(),
    portCount: rules.portCount(),
    /** One status code per port, port 1 first (see DNY_PORT_STATUSES). */
    portStatuses: vine.array(rules.code(codesOf(DNY_PORT_STATUSES))),
    /** Radio signal between a sub-unit and its host; 0 when wired. */
    signal: rules.u8().optional(),
    temperatureCelsius: rules.temperature().optional(),
  }),
  read: (reader) => {
    const voltageDecivolts = reader.u16('voltageDecivolts')
    const portCount = reader.u8('portCount')
    return {
      voltageDecivolts,
      portCount,
      portStatuses: [...reader.bytes('portStatuses', portCount)],
      signal: reader.optional(1, () => reader.u8('signal')),
      temperatureCelsius: reader.optional(1, () => readTemperature(reader, 'temperatureCelsius')),
    }
  },
  write: (writer, message) => {
    writer.u16(message.voltageDecivolts).u8(message.portStatuses.length)
    writer.bytes(Buffer.from(message.portStatuses))
    writeTrailing(writer, [
      [message.signal, (w) => w.u8(message.signal!)],
      [message.temperatureCelsius, (w) => w.u8(temperatureToWire(message.temperatureCelsius!))],
    ])
  },
})

const timeRequest = defineMessage({
  command: DNY_COMMANDS.timeRequest,
  type: 'time_request',
  schema: vine.object({ type: vine.literal('time_request') }),
  read: () => ({}),
  write: () => {},
})

const cardSwipe = defineMessage({
  command: DNY_COMMANDS.cardSwipe,
  type: 'card_swipe',
  schema: vine.object({
    type: vine.literal('card_swipe'),
    /** The M1 card's 4-byte UID in wire order; read big-endian for its decimal number. */
    cardUid: rules.hex(4),
    cardType: rules.code(DNY_CARD_TYPES),
    /** null: a balance query, no charge asked. */
    port: rules.port().nullable(),
    /** Money held on an offline balance card. */
    cardBalanceFen: rules.u16(),
    /** The pile's clock, for debugging only. */
    timestamp: rules.u32().optional(),
    /** Longer card numbers (social security cards), hex. */
    longCardNumber: vine
      .string()
      .maxLength(510)
      .regex(/^(?:[0-9A-F]{2})*$/)
      .optional(),
  }),
  read: (reader) => ({
    cardUid: toHex(reader.bytes('cardUid', 4)),
    cardType: reader.u8('cardType') as (typeof DNY_CARD_TYPES)[number],
    port: optionalPortFromWire(reader.u8('port')),
    cardBalanceFen: reader.u16('cardBalanceFen'),
    timestamp: reader.optional(4, () => reader.u32('timestamp')),
    longCardNumber: reader.optional(1, () => {
      const size = reader.u8('longCardNumberSize')
      return toHex(reader.bytes('longCardNumber', size))
    }),
  }),
  write: (writer, message) => {
    writer.bytes(hexBytes(message.cardUid, 4, 'cardUid')).u8(message.cardType)
    writer.u8(optionalPortToWire(message.port)).u16(message.cardBalanceFen)
    writeTrailing(writer, [
      [message.timestamp, (w) => w.u32(message.timestamp!)],
      [
        message.longCardNumber,
        (w) =>
          w
            .u8(message.longCardNumber!.length / 2)
            .bytes(Buffer.from(message.longCardNumber!, 'hex')),
      ],
    ])
  },
})

const settlement = defineMessage({
  command: DNY_COMMANDS.settlement,
  type: 'settlement',
  schema: vine.object({
    type: vine.literal('settlement'),
    durationSeconds: rules.u16(),
    maxPowerDeciwatts: rules.u16(),
    energyCentiKwh: rules.u16(),
    port: rules.port(),
    startMode: rules.code(DNY_START_MODES),
    /** All zero for a server-started charge. */
    cardUid: rules.hex(4),
    stopReason: rules.code(codesOf(DNY_STOP_REASONS)),
    /** The 16-byte order number the server sent in 0x82 (or the pile's own, offline). */
    orderNo: rules.hex(16),
    /** Largest power within the first 5 minutes. */
    secondMaxPowerDeciwatts: rules.u16().optional(),
    timestamp: rules.u32().optional(),
    /** Charging cabinets only: minutes occupied after full. */
    occupancyMinutes: rules.u16().optional(),
  }),
  read: (reader) => ({
    durationSeconds: reader.u16('durationSeconds'),
    maxPowerDeciwatts: reader.u16('maxPowerDeciwatts'),
    energyCentiKwh: reader.u16('energyCentiKwh'),
    port: portFromWire(reader.u8('port')),
    startMode: reader.u8('startMode') as (typeof DNY_START_MODES)[number],
    cardUid: toHex(reader.bytes('cardUid', 4)),
    stopReason: reader.u8('stopReason'),
    orderNo: toHex(reader.bytes('orderNo', 16)),
    secondMaxPowerDeciwatts: reader.optional(2, () => reader.u16('secondMaxPowerDeciwatts')),
    timestamp: reader.optional(4, () => reader.u32('timestamp')),
    occupancyMinutes: reader.optional(2, () => reader.u16('occupancyMinutes')),
  }),
  write: (writer, message) => {
    writer.u16(message.durationSeconds).u16(message.maxPowerDeciwatts).u16(message.energyCentiKwh)
    writer
      .u8(portToWire(message.port))
      .u8(message.startMode)
      .bytes(hexBytes(message.cardUid, 4, 'cardUid'))
    writer.u8(message.stopReason).bytes(hexBytes(message.orderNo, 16, 'orderNo'))
    writeTrailing(writer, [
      [message.secondMaxPowerDeciwatts, (w) => w.u16(message.secondMaxPowerDeciwatts!)],
      [message.timestamp, (w) => w.u32(message.timestamp!)],
      [message.occupancyMinutes, (w) => w.u16(message.occupancyMinutes!)],
    ])
  },
})

const portPower = defineMessage({
  command: DNY_COMMANDS.portPower,
  type: 'port_power',
  schema: vine.object({
    type: vine.literal('port_power'),
    port: rules.port(),
    portStatus: rules.code(DNY_POWER_REPORT_STATUSES),
    durationSeconds: rules.u16(),
    energyCentiKwh: rules.u16(),
    startMode: rules.code(DNY_START_MODES),
    powerDeciwatts: rules.u16(),
    maxPowerDeciwatts: rules.u16(),
    minPowerDeciwatts: rules.u16(),
    averagePowerDeciwatts: rules.u16(),
    orderNo: rules.hex(16),
    /** Debug counter (divide by 4800 for kWh, says the document); not for billing. */
    periodEnergyRaw: rules.u16().optional(),
    peakPowerDeciwatts: rules.u16().optional(),
    voltageDecivolts: rules.u16().optional(),
    currentMilliamps: rules.u16().optional(),
    ambientTemperatureCelsius: rules.temperature().optional(),
    portTemperatureCelsius: rules.temperature().optional(),
    timestamp: rules.u32().optional(),
    occupancyMinutes: rules.u16().optional(),
  }),
  read: (reader) => ({
    port: portFromWire(reader.u8('port')),
    portStatus: reader.u8('portStatus') as (typeof DNY_POWER_REPORT_STATUSES)[number],
    durationSeconds: reader.u16('durationSeconds'),
    energyCentiKwh: reader.u16('energyCentiKwh'),
    startMode: reader.u8('startMode') as (typeof DNY_START_MODES)[number],
    powerDeciwatts: reader.u16('powerDeciwatts'),
    maxPowerDeciwatts: reader.u16('maxPowerDeciwatts'),
    minPowerDeciwatts: reader.u16('minPowerDeciwatts'),
    averagePowerDeciwatts: reader.u16('averagePowerDeciwatts'),
    orderNo: toHex(reader.bytes('orderNo', 16)),
    periodEnergyRaw: reader.optional(2, () => reader.u16('periodEnergyRaw')),
    peakPowerDeciwatts: reader.optional(2, () => reader.u16('peakPowerDeciwatts')),
    voltageDecivolts: reader.optional(2, () => reader.u16('voltageDecivolts')),
    currentMilliamps: reader.optional(2, () => reader.u16('currentMilliamps')),
    ambientTemperatureCelsius: reader.optional(1, () =>
      readTemperature(reader, 'ambientTemperatureCelsius')
    ),
    portTemperatureCelsius: reader.optional(1, () =>
      readTemperature(reader, 'portTemperatureCelsius')
    ),
    timestamp: reader.optional(4, () => reader.u32('timestamp')),
    occupancyMinutes: reader.optional(2, () => reader.u16('occupancyMinutes')),
  }),
  write: (writer, message) => {
    writer.u8(portToWire(message.port)).u8(message.portStatus).u16(message.durationSeconds)
    writer.u16(message.energyCentiKwh).u8(message.startMode).u16(message.powerDeciwatts)
    writer
      .u16(message.maxPowerDeciwatts)
      .u16(message.minPowerDeciwatts)
      .u16(message.averagePowerDeciwatts)
    writer.bytes(hexBytes(message.orderNo, 16, 'orderNo'))
    writeTrailing(writer, [
      [message.periodEnergyRaw, (w) => w.u16(message.periodEnergyRaw!)],
      [message.peakPowerDeciwatts, (w) => w.u16(message.peakPowerDeciwatts!)],
      [message.voltageDecivolts, (w) => w.u16(message.voltageDecivolts!)],
      [message.currentMilliamps, (w) => w.u16(message.currentMilliamps!)],
      [
        message.ambientTemperatureCelsius,
        (w) => w.u8(temperatureToWire(message.ambientTemperatureCelsius!)),
      ],
      [
        message.portTemperatureCelsius,
        (w) => w.u8(temperatureToWire(message.portTemperatureCelsius!)),
      ],
      [message.timestamp, (w) => w.u32(message.timestamp!)],
      [message.occupancyMinutes, (w) => w.u16(message.occupancyMinutes!)],
    ])
  },
})

const chargeControlReply = defineMessage({
  command: DNY_COMMANDS.chargeControl,
  type: 'charge_control_reply',
  schema: vine.object({
    type: vine.literal('charge_control_reply'),
    result: rules.code(codesOf(DNY_CHARGE_CONTROL_RESULTS)),
    orderNo: rules.hex(16),
    port: rules.port().nullable().optional(),
    /** With result 5 (several ports waiting): the ports with a charger plugged in. */
    waitingPorts: vine.array(rules.port()).optional(),
  }),
  read: (reader) => ({
    result: reader.u8('result'),
    orderNo: toHex(reader.bytes('orderNo', 16)),
    port: reader.optional(1, () => optionalPortFromWire(reader.u8('port'))),
    waitingPorts: reader.optional(2, () => portsFromBits(reader.u16('waitingPorts'))),
  }),
  write: (writer, message) => {
    writer.u8(message.result).bytes(hexBytes(message.orderNo, 16, 'orderNo'))
    writeTrailing(writer, [
      [message.port, (w) => w.u8(optionalPortToWire(message.port!))],
      [message.waitingPorts, (w) => w.u16(portsToBits(message.waitingPorts!))],
    ])
  },
})

/** The one-byte answers: 0 ok, other values per command. */
function resultReply<const Type extends string>(
  command: number,
  type: Type,
  codes: readonly number[]
) {
  return defineMessage({
    command,
    type,
    schema: vine.object({ type: vine.literal(type as string), result: rules.code(codes) }),
    read: (reader) => ({ result: reader.u8('result') }),
    write: (writer, message) => {
      writer.u8(message.result)
    },
  })
}

export const dnyDeviceMessages = messageTable([
  register,
  heartbeat,
  timeRequest,
  cardSwipe,
  settlement,
  portPower,
  chargeControlReply,
  /** 0 ok, 1 bad parameter. */
  resultReply(DNY_COMMANDS.setParameters, 'set_parameters_reply', [0, 1]),
  /** 0 ok, 1 above the device's limit (2000 W multi-port, 3500 W high-power). */
  resultReply(DNY_COMMANDS.setLimits, 'set_limits_reply', [0, 1]),
  resultReply(DNY_COMMANDS.modifyCharge, 'modify_charge_reply', codesOf(DNY_MODIFY_RESULTS)),
  /** 0: reboot command received. */
  resultReply(DNY_COMMANDS.reboot, 'reboot_reply', [0]),
])

export type DnyDeviceMessage = Parameters<typeof dnyDeviceMessages.encode>[0]
