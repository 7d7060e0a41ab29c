import { vine } from '#sdk/schema'
import type { ByteReader, ByteWriter } from '#sdk/bytes'
import {
  JUY_CARD_OPERATIONS,
  JUY_COMMANDS,
  JUY_LOCAL_START_MODES,
  JUY_PORT_STATUSES,
  JUY_START_MODES,
  JUY_START_RESULTS,
  JUY_STOP_REASONS,
  JUY_STOP_RESULTS,
  codesOf,
} from './codes.js'
import {
  defineMessage,
  energyFromWire,
  energyToWire,
  messageTable,
  rules,
  type JuyCodecMeta,
} from './message_definition.js'
import { parameterTableSchema, readParameterTable, writeParameterTable } from './parameter_table.js'

/*
 * Device to server. Units are named in the field: power in whole watts,
 * voltage in 0.1 V, money in fen, energy in watt-hours (see energyUnit),
 * durations in seconds or minutes, temperatures in whole degrees Celsius.
 * Ports are 1-based, as on the wire. Order and card numbers are u32.
 */

/** The login's signal byte: a CSQ value (0-31, 99 unknown) or, from 0x64 up, the protocol version. */
const PROTOCOL_VERSION_FLOOR = 0x64

const login = defineMessage({
  command: JUY_COMMANDS.login,
  type: 'login',
  schema: vine.object({
    type: vine.literal('login'),
    imei: rules.imei(),
    portCount: rules.portCount(),
    hardwareVersion: vine.string().maxLength(16),
    softwareVersion: vine.string().maxLength(16),
    /** The SIM's ICCID: 19 or 20 letters and digits. */
    ccid: vine.string().regex(/^[0-9A-Za-z]{19,20}$/),
    /** Set by older firmware, which cannot switch to the IMEI header. */
    signal: rules
      .u8()
      .max(PROTOCOL_VERSION_FLOOR - 1)
      .nullable(),
    /** Set by firmware that can: answer with result F0 to switch it on. */
    protocolVersion: rules.u8().min(PROTOCOL_VERSION_FLOOR).nullable(),
    /** 0 power on, 1 software restart; other values are reserved and kept. */
    reason: rules.u8(),
  }),
  read: (reader) => {
    const imei = reader.ascii('imei', 15)
    const portCount = reader.u8('portCount')
    const hardwareVersion = reader.ascii('hardwareVersion', 16)
    const softwareVersion = reader.ascii('softwareVersion', 16)
    const ccid = reader.ascii('ccid', 20)
    const signal = reader.u8('signal')
    const isVersion = signal >= PROTOCOL_VERSION_FLOOR
    return {
      imei,
      portCount,
      hardwareVersion,
      softwareVersion,
      ccid,
      signal: isVersion ? null : signal,
      protocolVersion: isVersion ? signal : null,
      reason: reader.u8('reason'),
    }
  },
  write: (writer, message) => {
    writer.ascii(message.imei, 15, 'imei').u8(message.portCount)
    writer.ascii(message.hardwareVersion, 16, 'hardwareVersion')
    writer.ascii(message.softwareVersion, 16, 'softwareVersion')
    writer.ascii(message.ccid, 20, 'ccid')
    writer.u8(message.protocolVersion ?? message.signal ?? 0).u8(message.reason)
  },
})

const heartbeat = defineMessage({
  command: JUY_COMMANDS.heartbeat,
  type: 'heartbeat',
  schema: vine.object({
    type: vine.literal('heartbeat'),
    /** CSQ: 0-31, 99 unknown. */
    signal: rules.u8().max(99),
    /** The main board's temperature. */
    temperatureCelsius: rules.u8(),
    portCount: rules.portCount(),
    /** One status per port, port 1 first (see JUY_PORT_STATUSES). */
    portStatuses: vine.array(rules.code(codesOf(JUY_PORT_STATUSES))),
  }),
  read: (reader) => {
    const signal = reader.u8('signal')
    const temperatureCelsius = reader.u8('temperatureCelsius')
    const portCount = reader.u8('portCount')
    return {
      signal,
      temperatureCelsius,
      portCount,
      portStatuses: [...reader.bytes('portStatuses', portCount)],
    }
  },
  write: (writer, message) => {
    writer.u8(message.signal).u8(message.temperatureCelsius).u8(message.portStatuses.length)
    for (const status of message.portStatuses) writer.u8(status)
  },
})

const startReply = defineMessage({
  command: JUY_COMMANDS.start,
  type: 'start_reply',
  schema: vine.object({
    type: vine.literal('start_reply'),
    port: rules.port(),
    orderNo: rules.u32(),
    startMode: rules.code(codesOf(JUY_START_MODES)),
    result: rules.code(codesOf(JUY_START_RESULTS)),
  }),
  read: (reader) => ({
    port: reader.u8('port'),
    orderNo: reader.u32('orderNo'),
    startMode: reader.u8('startMode'),
    result: reader.u8('result'),
  }),
  write: (writer, message) => {
    writer.u8(message.port).u32(message.orderNo).u8(message.startMode).u8(message.result)
  },
})

const stopReply = defineMessage({
  command: JUY_COMMANDS.stop,
  type: 'stop_reply',
  schema: vine.object({
    type: vine.literal('stop_reply'),
    port: rules.port(),
    orderNo: rules.u32(),
    result: rules.code(codesOf(JUY_STOP_RESULTS)),
  }),
  read: (reader) => ({
    port: reader.u8('port'),
    orderNo: reader.u32('orderNo'),
    result: reader.u8('result'),
  }),
  write: (writer, message) => {
    writer.u8(message.port).u32(message.orderNo).u8(message.result)
  },
})

/** One tier the charge went through: how long, at what hourly price. */
interface Tier {
  durationSeconds: number
  priceFen: number
}

/** 0x85 tier data in either layout (see JuyTierLayout). */
function readTiers(reader: ByteReader, count: number, meta: JuyCodecMeta): Tier[] {
  if (meta.tierLayout === 'interleaved') {
    return Array.from({ length: count }, (_, index) => ({
      durationSeconds: reader.u16(`tiers.${index}.durationSeconds`),
      priceFen: reader.u16(`tiers.${index}.priceFen`),
    }))
  }
  const durations = Array.from({ length: count }, (_, index) =>
    reader.u16(`tiers.${index}.durationSeconds`)
  )
  return durations.map((durationSeconds, index) => ({
    durationSeconds,
    priceFen: reader.u16(`tiers.${index}.priceFen`),
  }))
}

function writeTiers(writer: ByteWriter, tiers: Tier[], meta: JuyCodecMeta) {
  if (meta.tierLayout === 'interleaved') {
    for (const tier of tiers) writer.u16(tier.durationSeconds).u16(tier.priceFen)
    return
  }
  for (const tier of tiers) writer.u16(tier.durationSeconds)
  for (const tier of tiers) writer.u16(tier.priceFen)
}

/** The 0x85 report ends with 8 reserved bytes. */
const END_REPORT_RESERVED_BYTES = 8

const endReport = defineMessage({
  command: JUY_COMMANDS.endReport,
  type: 'end_report',
  schema: vine.object({
    type: vine.literal('end_report'),
    port: rules.port(),
    orderNo: rules.u32(),
    durationSeconds: rules.u32(),
    energyWattHours: rules.energy(),
    amountFen: rules.u32(),
    stopReason: rules.code(codesOf(JUY_STOP_REASONS)),
    stopPowerWatts: rules.u16(),
    /** 0 for coin and free starts. */
    cardNumber: rules.u32(),
    /**
     * The tiers the charge went through. With peak/valley energy billing
     * (0x8D, not decoded here) there are always 5 and the pairs are the
     * energy and money of each period instead.
     */
    tiers: vine
      .array(vine.object({ durationSeconds: rules.u16(), priceFen: rules.u16() }))
      .maxLength(0xff),
  }),
  read: (reader, meta) => ({
    port: reader.u8('port'),
    orderNo: reader.u32('orderNo'),
    durationSeconds: reader.u32('durationSeconds'),
    energyWattHours: energyFromWire(reader.u32('energy'), meta),
    amountFen: reader.u32('amountFen'),
    stopReason: reader.u8('stopReason'),
    stopPowerWatts: reader.u16('stopPowerWatts'),
    cardNumber: reader.u32('cardNumber'),
    tiers: readTiers(reader, reader.u8('tierCount'), meta),
  }),
  write: (writer, message, meta) => {
    writer.u8(message.port).u32(message.orderNo).u32(message.durationSeconds)
    writer.u32(energyToWire(message.energyWattHours, meta)).u32(message.amountFen)
    writer.u8(message.stopReason).u16(message.stopPowerWatts).u32(message.cardNumber)
    writer.u8(message.tiers.length)
    writeTiers(writer, message.tiers, meta)
    writer.zeros(END_REPORT_RESERVED_BYTES)
  },
})

const localStart = defineMessage({
  command: JUY_COMMANDS.localStart,
  type: 'local_start',
  schema: vine.object({
    type: vine.literal('local_start'),
    port: rules.port(),
    orderNo: rules.u32(),
    startMode: rules.code(codesOf(JUY_LOCAL_START_MODES)),
    amountFen: rules.u32(),
    /** What is left on an offline card; meaningless for coins. */
    cardBalanceFen: rules.u32(),
    cardNumber: rules.u32(),
  }),
  read: (reader) => ({
    port: reader.u8('port'),
    orderNo: reader.u32('orderNo'),
    startMode: reader.u8('startMode'),
    amountFen: reader.u32('amountFen'),
    cardBalanceFen: reader.u32('cardBalanceFen'),
    cardNumber: reader.u32('cardNumber'),
  }),
  write: (writer, message) => {
    writer.u8(message.port).u32(message.orderNo).u8(message.startMode)
    writer.u32(message.amountFen).u32(message.cardBalanceFen).u32(message.cardNumber)
  },
})

const cardAuth = defineMessage({
  command: JUY_COMMANDS.cardAuth,
  type: 'card_auth',
  schema: vine.object({
    type: vine.literal('card_auth'),
    port: rules.port(),
    cardNumber: rules.u32(),
    /** 2 (start) is answered with a 0x83 start, not a 0x87 reply. */
    operation: rules.code(codesOf(JUY_CARD_OPERATIONS)),
  }),
  read: (reader) => ({
    port: reader.u8('port'),
    cardNumber: reader.u32('cardNumber'),
    operation: reader.u8('operation'),
  }),
  write: (writer, message) => {
    writer.u8(message.port).u32(message.cardNumber).u8(message.operation)
  },
})

/** The highest tier a charge reached, 0-7. */
const MAX_TIER = 7

const portData = defineMessage({
  command: JUY_COMMANDS.portData,
  type: 'port_data',
  schema: vine.object({
    type: vine.literal('port_data'),
    voltageDecivolts: rules.u16(),
    temperatureCelsius: rules.u8(),
    /** Ports in use only; none when every port is idle. */
    ports: vine
      .array(
        vine.object({
          port: rules.port(),
          /** The highest tier reached so far: it never goes down during a charge. */
          tier: rules.u8().max(MAX_TIER),
          priceFen: rules.u16(),
          powerWatts: rules.u16(),
          durationSeconds: rules.u32(),
          amountFen: rules.u16(),
          energyWattHours: rules.energy(),
          temperatureCelsius: rules.u8(),
        })
      )
      .maxLength(0xff),
  }),
  read: (reader, meta) => {
    const count = reader.u8('portsInUse')
    const voltageDecivolts = reader.u16('voltageDecivolts')
    const temperatureCelsius = reader.u8('temperatureCelsius')
    const ports = Array.from({ length: count }, (_, index) => ({
      port: reader.u8(`ports.${index}.port`),
      tier: reader.u8(`ports.${index}.tier`),
      priceFen: reader.u16(`ports.${index}.priceFen`),
      powerWatts: reader.u16(`ports.${index}.powerWatts`),
      durationSeconds: reader.u32(`ports.${index}.durationSeconds`),
      amountFen: reader.u16(`ports.${index}.amountFen`),
      energyWattHours: energyFromWire(reader.u32(`ports.${index}.energy`), meta),
      temperatureCelsius: reader.u8(`ports.${index}.temperatureCelsius`),
    }))
    return { voltageDecivolts, temperatureCelsius, ports }
  },
  write: (writer, message, meta) => {
    writer.u8(message.ports.length).u16(message.voltageDecivolts).u8(message.temperatureCelsius)
    for (const port of message.ports) {
      writer.u8(port.port).u8(port.tier).u16(port.priceFen).u16(port.powerWatts)
      writer.u32(port.durationSeconds).u16(port.amountFen)
      writer.u32(energyToWire(port.energyWattHours, meta)).u8(port.temperatureCelsius)
    }
  },
})

const parameters = defineMessage({
  command: JUY_COMMANDS.queryParameters,
  type: 'parameters',
  schema: vine.object({ type: vine.literal('parameters'), ...parameterTableSchema }),
  read: readParameterTable,
  write: writeParameterTable,
})

const setParametersReply = defineMessage({
  command: JUY_COMMANDS.setParameters,
  type: 'set_parameters_reply',
  schema: vine.object({ type: vine.literal('set_parameters_reply') }),
  // One reserved byte, read by no one.
  read: () => ({}),
  write: (writer) => {
    writer.zeros(1)
  },
})

export const juyDeviceMessages = messageTable([
  login,
  heartbeat,
  startReply,
  stopReply,
  endReport,
  localStart,
  cardAuth,
  portData,
  parameters,
  setParametersReply,
])

export type JuyDeviceMessage = Parameters<typeof juyDeviceMessages.encode>[0]
