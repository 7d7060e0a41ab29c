import vine, { errors } from '@vinejs/vine'
import type { Infer, SchemaTypes } from '@vinejs/vine/types'
import { ByteReader, ByteWriter, TruncatedBodyError } from './bytes.js'

/**
 * How the 0x85 tier data is laid out: the document's table puts N times and
 * then N prices (`grouped`); its sample and the sample's explanation give
 * (time, price) pairs (`interleaved`).
 */
export type JuyTierLayout = 'interleaved' | 'grouped'

/**
 * The wire unit of energy: every field table says 0.01 kWh, the V1.1
 * change log says "电量精度改为 0.001 度". Objects always hold watt-hours.
 */
export type JuyEnergyUnit = 'centi_kwh' | 'milli_kwh'

/** Choices the document leaves open, per pile model or firmware. */
export interface JuyCodecOptions {
  /** The pile's port count once known (from its 0x81 login); ports above it are refused. */
  portCount?: number
  tierLayout?: JuyTierLayout
  energyUnit?: JuyEnergyUnit
}

/** What reading, writing and validating know about the pile. */
export interface JuyCodecMeta {
  portCount: number
  tierLayout: JuyTierLayout
  energyUnit: JuyEnergyUnit
}

/** Ports are one byte: when the pile's count is not known, any port a byte allows. */
export const JUY_MAX_PORTS = 0xff

export function codecMeta(options: JuyCodecOptions = {}): JuyCodecMeta {
  return {
    portCount: options.portCount ?? JUY_MAX_PORTS,
    tierLayout: options.tierLayout ?? 'interleaved',
    energyUnit: options.energyUnit ?? 'centi_kwh',
  }
}

const WATT_HOURS_PER_UNIT: Record<JuyEnergyUnit, number> = { centi_kwh: 10, milli_kwh: 1 }

export function energyFromWire(value: number, meta: JuyCodecMeta) {
  return value * WATT_HOURS_PER_UNIT[meta.energyUnit]
}

/** Watt-hours the wire unit cannot hold are a programming error. */
export function energyToWire(wattHours: number, meta: JuyCodecMeta) {
  const perUnit = WATT_HOURS_PER_UNIT[meta.energyUnit]
  if (wattHours % perUnit !== 0) {
    throw new RangeError(`${wattHours} Wh is not a whole number of ${meta.energyUnit}`)
  }
  return wattHours / perUnit
}

/** A port, 1-based as on the wire, within the pile's port count. */
const withinPortCount = vine.createRule((value, _options, field) => {
  const portCount = (field.meta as JuyCodecMeta).portCount
  if (typeof value === 'number' && value > portCount) {
    field.report(
      `The {{ field }} field is above the pile's port count (${portCount})`,
      'portCount',
      field
    )
  }
})

export const rules = {
  u8: () => vine.number().withoutDecimals().min(0).max(0xff),
  u16: () => vine.number().withoutDecimals().min(0).max(0xffff),
  u32: () => vine.number().withoutDecimals().min(0).max(0xffffffff),
  /** Watt-hours from a u32 in either wire unit. */
  energy: () =>
    vine
      .number()
      .withoutDecimals()
      .min(0)
      .max(0xffffffff * 10),
  port: () => vine.number().withoutDecimals().min(1).use(withinPortCount()),
  portCount: () => vine.number().withoutDecimals().min(1).use(withinPortCount()),
  imei: () => vine.string().regex(/^\d{15}$/),
  code: <const Codes extends readonly number[]>(codes: Codes) => vine.enum(codes),
}

/** One message of one direction: its bytes, its plain object and the schema between them. */
export interface MessageDefinition<Type extends string, Message extends { type: Type }> {
  command: number
  type: Type
  read(reader: ByteReader, meta: JuyCodecMeta): Message
  write(writer: ByteWriter, message: Message, meta: JuyCodecMeta): void
  validate(value: Message, meta: JuyCodecMeta): Promise<Message>
}

export function defineMessage<const Type extends string, Schema extends SchemaTypes>(definition: {
  command: number
  type: Type
  schema: Schema
  read(reader: ByteReader, meta: JuyCodecMeta): Omit<Infer<Schema>, 'type'>
  write(writer: ByteWriter, message: Infer<Schema>, meta: JuyCodecMeta): void
}): MessageDefinition<Type, Infer<Schema> & { type: Type }> {
  const validator = vine.withMetaData<JuyCodecMeta>().create(definition.schema)
  return {
    command: definition.command,
    type: definition.type,
    read: (reader, meta) =>
      ({ type: definition.type, ...definition.read(reader, meta) }) as Infer<Schema> & {
        type: Type
      },
    write: definition.write,
    validate: async (value, meta) =>
      (await validator.validate(value, { meta })) as Infer<Schema> & { type: Type },
  }
}

export type DecodeRejection = {
  ok: false
  command: number
  reason: 'unknown_command' | 'truncated' | 'invalid'
  /** For the log line: which field, and why. */
  detail: string
}

export type DecodeResult<Message> = { ok: true; message: Message } | DecodeRejection

type AnyDefinition = MessageDefinition<string, any>

/** Decoding and encoding over one direction's table of definitions. */
export function messageTable<Definition extends AnyDefinition>(definitions: Definition[]) {
  const byCommand = new Map(definitions.map((definition) => [definition.command, definition]))
  const byType = new Map(definitions.map((definition) => [definition.type, definition]))
  type Message = Definition extends MessageDefinition<string, infer M> ? M : never

  return {
    async decode(
      command: number,
      data: Buffer,
      meta: JuyCodecMeta
    ): Promise<DecodeResult<Message>> {
      const definition = byCommand.get(command)
      if (!definition) {
        return {
          ok: false,
          command,
          reason: 'unknown_command',
          detail: `command 0x${command.toString(16).toUpperCase().padStart(2, '0')}`,
        }
      }
      let value: Message
      try {
        value = definition.read(new ByteReader(data), meta)
      } catch (error) {
        if (error instanceof TruncatedBodyError) {
          return { ok: false, command, reason: 'truncated', detail: error.message }
        }
        throw error
      }
      try {
        return { ok: true, message: await definition.validate(value, meta) }
      } catch (error) {
        if (error instanceof errors.E_VALIDATION_ERROR) {
          const messages = error.messages as { field: string; message: string }[]
          const detail = messages.map((entry) => `${entry.field}: ${entry.message}`).join('; ')
          return { ok: false, command, reason: 'invalid', detail }
        }
        throw error
      }
    },

    encode(message: Message, meta: JuyCodecMeta): { command: number; data: Buffer } {
      const definition = byType.get(message.type)
      if (!definition) throw new RangeError(`no such message type: ${message.type}`)
      const writer = new ByteWriter()
      definition.write(writer, message, meta)
      return { command: definition.command, data: writer.toBuffer() }
    },
  }
}
