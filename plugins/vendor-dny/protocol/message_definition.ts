import vine, { errors } from '@vinejs/vine'
import type { Infer, SchemaTypes } from '@vinejs/vine/types'
import { ByteReader, ByteWriter, TruncatedBodyError } from './bytes.js'

/** What the validators know about the pile a frame came from. */
export interface DnyDecodeMeta {
  /** The pile's port count when known, else the largest the protocol allows. */
  portCount: number
}

/** DNY piles have at most 16 ports (device type 06). */
export const DNY_MAX_PORTS = 16

/** A port, 1-based (the wire counts from 0), within the pile's port count. */
const withinPortCount = vine.createRule((value, _options, field) => {
  const portCount = (field.meta as DnyDecodeMeta).portCount
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
  port: () => vine.number().withoutDecimals().min(1).use(withinPortCount()),
  portCount: () => vine.number().withoutDecimals().min(1).use(withinPortCount()),
  hex: (bytes: number) =>
    vine
      .string()
      .fixedLength(bytes * 2)
      .regex(/^[0-9A-F]*$/),
  code: <const Codes extends readonly number[]>(codes: Codes) => vine.enum(codes),
  /** Degrees Celsius, sent with +65; 0 means the pile has no sensor. */
  temperature: () => vine.number().withoutDecimals().min(-65).max(190).nullable(),
}

/** One message of one direction: its bytes, its plain object and the schema between them. */
export interface MessageDefinition<Type extends string, Message extends { type: Type }> {
  command: number
  type: Type
  read(reader: ByteReader): Message
  write(writer: ByteWriter, message: Message): void
  validate(value: Message, meta: DnyDecodeMeta): Promise<Message>
}

export function defineMessage<const Type extends string, Schema extends SchemaTypes>(definition: {
  command: number
  type: Type
  schema: Schema
  read(reader: ByteReader): Omit<Infer<Schema>, 'type'>
  write(writer: ByteWriter, message: Infer<Schema>): void
}): MessageDefinition<Type, Infer<Schema> & { type: Type }> {
  const validator = vine.withMetaData<DnyDecodeMeta>().create(definition.schema)
  return {
    command: definition.command,
    type: definition.type,
    read: (reader) =>
      ({ type: definition.type, ...definition.read(reader) }) as Infer<Schema> & { type: Type },
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
      meta: DnyDecodeMeta
    ): Promise<DecodeResult<Message>> {
      const definition = byCommand.get(command)
      if (!definition) {
        return {
          ok: false,
          command,
          reason: 'unknown_command',
          detail: `command 0x${hex2(command)}`,
        }
      }
      let value: Message
      try {
        value = definition.read(new ByteReader(data))
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

    encode(message: Message): { command: number; data: Buffer } {
      const definition = byType.get(message.type)
      if (!definition) throw new RangeError(`no such message type: ${message.type}`)
      const writer = new ByteWriter()
      definition.write(writer, message)
      return { command: definition.command, data: writer.toBuffer() }
    },
  }
}

function hex2(value: number) {
  return value.toString(16).toUpperCase().padStart(2, '0')
}
