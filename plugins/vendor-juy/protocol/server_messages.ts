import { vine } from '#sdk/schema'
import {
  JUY_CARD_DAYS_LEFT,
  JUY_CARD_RESULTS,
  JUY_CHARGE_TYPES,
  JUY_COMMANDS,
  JUY_LOGIN_RESULTS,
  JUY_START_MODES,
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
 * Server to device: the commands and the replies to the device's
 * messages. Same units as device_messages.ts.
 */

/** The login reply's time: 7 BCD bytes, YYYYMMDDhhmmss; "reserved", all zero in the sample. */
const TIME_BCD_BYTES = 7

const loginReply = defineMessage({
  command: JUY_COMMANDS.login,
  type: 'login_reply',
  schema: vine.object({
    type: vine.literal('login_reply'),
    /** 14 digits, YYYYMMDDhhmmss; all zeros leaves the pile's clock alone. */
    timeBcd: vine.string().regex(/^\d{14}$/),
    /** 10-250; 0 (the sample's value) keeps the pile's own interval. */
    heartbeatSeconds: vine
      .number()
      .withoutDecimals()
      .in([0, ...Array.from({ length: 241 }, (_, index) => index + 10)]),
    /** F0 switches a TCP pile to the IMEI header until it reconnects. */
    result: rules.code(codesOf(JUY_LOGIN_RESULTS)),
  }),
  read: (reader) => ({
    timeBcd: reader.bytes('timeBcd', TIME_BCD_BYTES).toString('hex').toUpperCase(),
    heartbeatSeconds: reader.u8('heartbeatSeconds'),
    result: reader.u8('result'),
  }),
  write: (writer, message) => {
    if (!/^\d{14}$/.test(message.timeBcd)) {
      throw new RangeError(`timeBcd must be 14 digits, got "${message.timeBcd}"`)
    }
    writer.bytes(Buffer.from(message.timeBcd, 'hex'))
    writer.u8(message.heartbeatSeconds).u8(message.result)
  },
})

/** Messages with one reserved byte as their whole body. */
function reservedOnly<const Type extends string>(command: number, type: Type) {
  return defineMessage({
    command,
    type,
    schema: vine.object({ type: vine.literal(type as string) }),
    read: () => ({}),
    write: (writer) => {
      writer.zeros(1)
    },
  })
}

/** Acks that echo the port and order number of what they answer. */
function portOrderAck<const Type extends string>(command: number, type: Type) {
  return defineMessage({
    command,
    type,
    schema: vine.object({
      type: vine.literal(type as string),
      port: rules.port(),
      orderNo: rules.u32(),
    }),
    read: (reader) => ({ port: reader.u8('port'), orderNo: reader.u32('orderNo') }),
    write: (writer, message) => {
      writer.u8(message.port).u32(message.orderNo)
    },
  })
}

const CHARGE_TYPE = { full: 1, amount: 2, time: 3, energy: 4, other: 5 } as const

/**
 * The u32 "charge parameter" of 0x83, named by the charge type: seconds
 * for time (and as the cap of stop-when-full, as the sample does), fen for
 * amount, energy for energy; `parameter` stays raw for "other".
 */
interface ChargeLimit {
  chargeType: number
  durationSeconds?: number
  amountFen?: number
  energyWattHours?: number
  parameter?: number
}

function limitFromWire(chargeType: number, value: number, meta: JuyCodecMeta) {
  if (chargeType === CHARGE_TYPE.amount) return { amountFen: value }
  if (chargeType === CHARGE_TYPE.energy) return { energyWattHours: energyFromWire(value, meta) }
  if (chargeType === CHARGE_TYPE.other) return { parameter: value }
  return { durationSeconds: value }
}

function limitToWire(message: ChargeLimit, meta: JuyCodecMeta) {
  const [field, value] =
    message.chargeType === CHARGE_TYPE.amount
      ? ['amountFen', message.amountFen]
      : message.chargeType === CHARGE_TYPE.energy
        ? ['energyWattHours', message.energyWattHours]
        : message.chargeType === CHARGE_TYPE.other
          ? ['parameter', message.parameter]
          : ['durationSeconds', message.durationSeconds]
  if (value === undefined) {
    throw new RangeError(`charge type ${message.chargeType} needs ${field}`)
  }
  return field === 'energyWattHours' ? energyToWire(value, meta) : value
}

const start = defineMessage({
  command: JUY_COMMANDS.start,
  type: 'start',
  schema: vine.object({
    type: vine.literal('start'),
    port: rules.port(),
    orderNo: rules.u32(),
    startMode: rules.code(codesOf(JUY_START_MODES)),
    /** 0 unless started by an IC card. */
    cardNumber: rules.u32(),
    chargeType: rules.code(codesOf(JUY_CHARGE_TYPES)),
    durationSeconds: rules.u32().optional(),
    amountFen: rules.u32().optional(),
    energyWattHours: rules.energy().optional(),
    parameter: rules.u32().optional(),
    /** The rider's money left. */
    availableFen: rules.u32(),
  }),
  read: (reader, meta) => {
    const port = reader.u8('port')
    const orderNo = reader.u32('orderNo')
    const startMode = reader.u8('startMode')
    const cardNumber = reader.u32('cardNumber')
    const chargeType = reader.u8('chargeType')
    return {
      port,
      orderNo,
      startMode,
      cardNumber,
      chargeType,
      ...limitFromWire(chargeType, reader.u32('parameter'), meta),
      availableFen: reader.u32('availableFen'),
    }
  },
  write: (writer, message, meta) => {
    writer.u8(message.port).u32(message.orderNo).u8(message.startMode).u32(message.cardNumber)
    writer.u8(message.chargeType).u32(limitToWire(message, meta)).u32(message.availableFen)
  },
})

const cardAuthReply = defineMessage({
  command: JUY_COMMANDS.cardAuth,
  type: 'card_auth_reply',
  schema: vine.object({
    type: vine.literal('card_auth_reply'),
    port: rules.port(),
    cardNumber: rules.u32(),
    /** The account's money, unless the result is 7. */
    balanceFen: rules.u32().optional(),
    /** Days left on a day-pass card, with result 7. */
    daysLeft: rules.u32().optional(),
    result: rules.code(codesOf(JUY_CARD_RESULTS)),
  }),
  read: (reader) => {
    const port = reader.u8('port')
    const cardNumber = reader.u32('cardNumber')
    const value = reader.u32('balanceFen')
    const result = reader.u8('result')
    return {
      port,
      cardNumber,
      ...(result === JUY_CARD_DAYS_LEFT ? { daysLeft: value } : { balanceFen: value }),
      result,
    }
  },
  write: (writer, message) => {
    const value = message.result === JUY_CARD_DAYS_LEFT ? message.daysLeft : message.balanceFen
    writer
      .u8(message.port)
      .u32(message.cardNumber)
      .u32(value ?? 0)
      .u8(message.result)
  },
})

const setParameters = defineMessage({
  command: JUY_COMMANDS.setParameters,
  type: 'set_parameters',
  schema: vine.object({ type: vine.literal('set_parameters'), ...parameterTableSchema }),
  read: readParameterTable,
  write: writeParameterTable,
})

export const juyServerMessages = messageTable([
  loginReply,
  reservedOnly(JUY_COMMANDS.heartbeat, 'heartbeat_reply'),
  start,
  portOrderAck(JUY_COMMANDS.stop, 'stop'),
  portOrderAck(JUY_COMMANDS.endReport, 'end_report_ack'),
  portOrderAck(JUY_COMMANDS.localStart, 'local_start_ack'),
  cardAuthReply,
  /** Ask for a 0x88 port report now. */
  reservedOnly(JUY_COMMANDS.portData, 'query_port_data'),
  reservedOnly(JUY_COMMANDS.queryParameters, 'query_parameters'),
  setParameters,
])

export type JuyServerMessage = Parameters<typeof juyServerMessages.encode>[0]
