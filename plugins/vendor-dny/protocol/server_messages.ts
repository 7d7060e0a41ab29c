import { vine } from '#sdk/schema'
import { hexBytes, toHex, type ByteReader, type ByteWriter } from '#sdk/bytes'
import {
  DNY_ACCOUNT_STATUSES,
  DNY_COMMANDS,
  DNY_ENERGY_RATE_MODE,
  DNY_MODIFY_MODES,
  DNY_MONTHLY_RATE_MODE,
  DNY_RATE_MODES,
  codesOf,
} from './codes.js'
import { defineMessage, messageTable, rules } from './message_definition.js'
import {
  optionalPortFromWire,
  optionalPortToWire,
  portFromWire,
  portToWire,
  writeTrailing,
} from './wire_values.js'

/*
 * Server to device: the commands and the replies to the device's
 * messages. Same units as device_messages.ts.
 */

/** 0 = ok; the device retries the message otherwise. */
function ack<const Type extends string>(command: number, type: Type) {
  return defineMessage({
    command,
    type,
    schema: vine.object({ type: vine.literal(type as string), result: rules.u8() }),
    read: (reader) => ({ result: reader.u8('result') }),
    write: (writer, message) => {
      writer.u8(message.result)
    },
  })
}

/**
 * The 4-byte "balance / valid until" field: a unix time when the rate mode
 * is monthly, else a balance in fen (the pile only speaks it aloud).
 */
const balanceOrExpiry = {
  schema: {
    balanceFen: rules.u32().optional(),
    validUntil: rules.u32().optional(),
  },
  read(reader: ByteReader, rateMode: number) {
    const value = reader.u32('balanceFen')
    return rateMode === DNY_MONTHLY_RATE_MODE ? { validUntil: value } : { balanceFen: value }
  },
  write(
    writer: ByteWriter,
    message: { rateMode: number; balanceFen?: number; validUntil?: number }
  ) {
    writer.u32(
      (message.rateMode === DNY_MONTHLY_RATE_MODE ? message.validUntil : message.balanceFen) ?? 0
    )
  },
}

const time = defineMessage({
  command: DNY_COMMANDS.timeRequest,
  type: 'time',
  schema: vine.object({ type: vine.literal('time'), unixSeconds: rules.u32() }),
  read: (reader) => ({ unixSeconds: reader.u32('unixSeconds') }),
  write: (writer, message) => {
    writer.u32(message.unixSeconds)
  },
})

const cardReply = defineMessage({
  command: DNY_COMMANDS.cardSwipe,
  type: 'card_reply',
  schema: vine.object({
    type: vine.literal('card_reply'),
    cardUid: rules.hex(4),
    accountStatus: rules.code(codesOf(DNY_ACCOUNT_STATUSES)),
    rateMode: rules.code(DNY_RATE_MODES),
    ...balanceOrExpiry.schema,
    /** Echo of the swipe's port; null for a balance query. */
    port: rules.port().nullable(),
  }),
  read: (reader) => {
    const cardUid = toHex(reader.bytes('cardUid', 4))
    const accountStatus = reader.u8('accountStatus')
    const rateMode = reader.u8('rateMode') as (typeof DNY_RATE_MODES)[number]
    return {
      cardUid,
      accountStatus,
      rateMode,
      ...balanceOrExpiry.read(reader, rateMode),
      port: optionalPortFromWire(reader.u8('port')),
    }
  },
  write: (writer, message) => {
    writer
      .bytes(hexBytes(message.cardUid, 4, 'cardUid'))
      .u8(message.accountStatus)
      .u8(message.rateMode)
    balanceOrExpiry.write(writer, message)
    writer.u8(optionalPortToWire(message.port))
  },
})

/** Duration in seconds, or energy in 0.01 kWh for the energy rate mode; 0 = stop when full. */
function limitFromWire(value: number, energy: boolean) {
  return energy ? { energyCentiKwh: value } : { durationSeconds: value }
}

const chargeControl = defineMessage({
  command: DNY_COMMANDS.chargeControl,
  type: 'charge_control',
  schema: vine.object({
    type: vine.literal('charge_control'),
    rateMode: rules.code(DNY_RATE_MODES),
    ...balanceOrExpiry.schema,
    /** null: the pile picks the port with a charger plugged in (dual sockets). */
    port: rules.port().nullable(),
    action: vine.enum(['stop', 'start'] as const),
    /** Time and per-use modes; 0 or absent = stop when full. */
    durationSeconds: rules.u16().optional(),
    /** Energy mode; 0 or absent = stop when full. */
    energyCentiKwh: rules.u16().optional(),
    /** A stop only works with the order number of the running charge. */
    orderNo: rules.hex(16),
    /** 0 = the pile's own setting (0x85). */
    maxDurationSeconds: rules.u16(),
    /** 0 = the pile's own setting (0x85). */
    overloadPowerDeciwatts: rules.u16(),
    /* Later additions, sent only when set (see README). */
    qrLightOff: vine.boolean().optional(),
    longCharge: vine.boolean().optional(),
    /** 0xFFFF cancels float charging. */
    extraFloatSeconds: rules.u16().optional(),
    /** 0 or 1 skip the short-circuit check, 2 run it. */
    shortCircuitCheck: rules.code([0, 1, 2]).optional(),
    ignoreUnplug: vine.boolean().optional(),
    forceStopWhenFull: vine.boolean().optional(),
    /** Whole watts, unlike the other powers; 0 (or 0xFF) turns the check off. */
    fullPowerWatts: rules.u8().optional(),
    fullPowerMaxMinutes: rules.u8().optional(),
  }),
  read: (reader) => {
    const rateMode = reader.u8('rateMode') as (typeof DNY_RATE_MODES)[number]
    const money = balanceOrExpiry.read(reader, rateMode)
    const port = optionalPortFromWire(reader.u8('port'))
    const action = reader.u8('action') === 1 ? ('start' as const) : ('stop' as const)
    const limit = limitFromWire(reader.u16('durationSeconds'), rateMode === DNY_ENERGY_RATE_MODE)
    const flag = (field: string) => reader.optional(1, () => reader.u8(field) === 1)
    return {
      rateMode,
      ...money,
      port,
      action,
      ...limit,
      orderNo: toHex(reader.bytes('orderNo', 16)),
      maxDurationSeconds: reader.u16('maxDurationSeconds'),
      overloadPowerDeciwatts: reader.u16('overloadPowerDeciwatts'),
      qrLightOff: flag('qrLightOff'),
      longCharge: flag('longCharge'),
      extraFloatSeconds: reader.optional(2, () => reader.u16('extraFloatSeconds')),
      shortCircuitCheck: reader.optional(1, () => reader.u8('shortCircuitCheck') as 0 | 1 | 2),
      ignoreUnplug: flag('ignoreUnplug'),
      forceStopWhenFull: flag('forceStopWhenFull'),
      fullPowerWatts: reader.optional(1, () => reader.u8('fullPowerWatts')),
      fullPowerMaxMinutes: reader.optional(1, () => reader.u8('fullPowerMaxMinutes')),
    }
  },
  write: (writer, message) => {
    writer.u8(message.rateMode)
    balanceOrExpiry.write(writer, message)
    writer.u8(optionalPortToWire(message.port)).u8(message.action === 'start' ? 1 : 0)
    const energy = message.rateMode === DNY_ENERGY_RATE_MODE
    writer.u16((energy ? message.energyCentiKwh : message.durationSeconds) ?? 0)
    writer.bytes(hexBytes(message.orderNo, 16, 'orderNo'))
    writer.u16(message.maxDurationSeconds).u16(message.overloadPowerDeciwatts)
    const flag = (value: boolean | undefined) => (w: ByteWriter) => w.u8(value ? 1 : 0)
    writeTrailing(writer, [
      [message.qrLightOff, flag(message.qrLightOff)],
      [message.longCharge, flag(message.longCharge)],
      [message.extraFloatSeconds, (w) => w.u16(message.extraFloatSeconds!)],
      [message.shortCircuitCheck, (w) => w.u8(message.shortCircuitCheck!)],
      [message.ignoreUnplug, flag(message.ignoreUnplug)],
      [message.forceStopWhenFull, flag(message.forceStopWhenFull)],
      [message.fullPowerWatts, (w) => w.u8(message.fullPowerWatts!)],
      [message.fullPowerMaxMinutes, (w) => w.u8(message.fullPowerMaxMinutes!)],
    ])
  },
})

const setParameters = defineMessage({
  command: DNY_COMMANDS.setParameters,
  type: 'set_parameters',
  schema: vine.object({
    type: vine.literal('set_parameters'),
    /** Below this power the charger counts as unplugged (document default 3). */
    unplugPowerDeciwatts: rules.u16(),
    unplugDetectSeconds: rules.u16(),
    /** Float charging is detected below this percentage of the charging power. */
    floatPercent: rules.u8().min(1).max(100),
    floatDetectSeconds: rules.u16(),
    floatSeconds: rules.u16(),
    heartbeatSeconds: rules.u16(),
  }),
  read: (reader) => ({
    unplugPowerDeciwatts: reader.u16('unplugPowerDeciwatts'),
    unplugDetectSeconds: reader.u16('unplugDetectSeconds'),
    floatPercent: reader.u8('floatPercent'),
    floatDetectSeconds: reader.u16('floatDetectSeconds'),
    floatSeconds: reader.u16('floatSeconds'),
    heartbeatSeconds: reader.u16('heartbeatSeconds'),
  }),
  write: (writer, message) => {
    writer
      .u16(message.unplugPowerDeciwatts)
      .u16(message.unplugDetectSeconds)
      .u8(message.floatPercent)
    writer.u16(message.floatDetectSeconds).u16(message.floatSeconds).u16(message.heartbeatSeconds)
  },
})

const setLimits = defineMessage({
  command: DNY_COMMANDS.setLimits,
  type: 'set_limits',
  schema: vine.object({
    type: vine.literal('set_limits'),
    /** Bounds stop-when-full and offline charges (default 36000). */
    maxDurationSeconds: rules.u16(),
    /** Per port; at most 2000 W on multi-port piles, 3500 W on high-power ones. */
    overloadPowerDeciwatts: rules.u16(),
    overVoltageDecivolts: rules.u16().optional(),
    underVoltageDecivolts: rules.u16().optional(),
  }),
  read: (reader) => ({
    maxDurationSeconds: reader.u16('maxDurationSeconds'),
    overloadPowerDeciwatts: reader.u16('overloadPowerDeciwatts'),
    overVoltageDecivolts: reader.optional(2, () => reader.u16('overVoltageDecivolts')),
    underVoltageDecivolts: reader.optional(2, () => reader.u16('underVoltageDecivolts')),
  }),
  write: (writer, message) => {
    writer.u16(message.maxDurationSeconds).u16(message.overloadPowerDeciwatts)
    writeTrailing(writer, [
      [message.overVoltageDecivolts, (w) => w.u16(message.overVoltageDecivolts!)],
      [message.underVoltageDecivolts, (w) => w.u16(message.underVoltageDecivolts!)],
    ])
  },
})

const modifyCharge = defineMessage({
  command: DNY_COMMANDS.modifyCharge,
  type: 'modify_charge',
  schema: vine.object({
    type: vine.literal('modify_charge'),
    /** 0 time, 1 time with stop-when-full, 2 energy with stop-when-full. */
    mode: rules.code(DNY_MODIFY_MODES),
    port: rules.port(),
    durationSeconds: rules.u16().optional(),
    energyCentiKwh: rules.u16().optional(),
  }),
  read: (reader) => {
    const mode = reader.u8('mode') as (typeof DNY_MODIFY_MODES)[number]
    const port = portFromWire(reader.u8('port'))
    return { mode, port, ...limitFromWire(reader.u16('durationSeconds'), mode === 2) }
  },
  write: (writer, message) => {
    writer.u8(message.mode).u8(portToWire(message.port))
    writer.u16((message.mode === 2 ? message.energyCentiKwh : message.durationSeconds) ?? 0)
  },
})

const reboot = defineMessage({
  command: DNY_COMMANDS.reboot,
  type: 'reboot',
  schema: vine.object({ type: vine.literal('reboot') }),
  read: () => ({}),
  write: () => {},
})

export const dnyServerMessages = messageTable([
  ack(DNY_COMMANDS.register, 'register_ack'),
  ack(DNY_COMMANDS.heartbeat, 'heartbeat_ack'),
  time,
  cardReply,
  ack(DNY_COMMANDS.settlement, 'settlement_ack'),
  chargeControl,
  setParameters,
  setLimits,
  modifyCharge,
  reboot,
])

export type DnyServerMessage = Parameters<typeof dnyServerMessages.encode>[0]
