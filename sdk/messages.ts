import vine, { errors } from '@vinejs/vine'
import type { Infer, SchemaTypes } from '@vinejs/vine/types'
import { ByteReader, ByteWriter, TruncatedBodyError, type Endian } from './bytes.js'

/*
| A binary protocol as tables of messages: each message reads and writes
| its own body and validates the plain object with a VineJS schema, so a
| frame from a pile becomes a typed message or a rejection naming the
| field. `Meta` is what the validators and codecs know about the pile
| (its port count, a firmware's units...).
*/

/** One message of one direction: its bytes, its plain object and the schema between them. */
export interface MessageDefinition<Type extends string, Message extends { type: Type }, Meta> {
  command: number
  type: Type
  read(reader: ByteReader, meta: Meta): Message
  write(writer: ByteWriter, message: Message, meta: Meta): void
  validate(value: Message, meta: Meta): Promise<Message>
}

export type DecodeRejection = {
  ok: false
  command: number
  reason: 'unknown_command' | 'truncated' | 'invalid'
  /** For the log line: which field, and why. */
  detail: string
}

export type DecodeResult<Message> = { ok: true; message: Message } | DecodeRejection

/** `defineMessage` and `messageTable` for one protocol's meta and byte order. */
export function messageCodec<Meta>(options: { endian?: Endian } = {}) {
  const endian = options.endian ?? 'le'

  function defineMessage<const Type extends string, Schema extends SchemaTypes>(definition: {
    command: number
    type: Type
    schema: Schema
    read(reader: ByteReader, meta: Meta): Omit<Infer<Schema>, 'type'>
    write(writer: ByteWriter, message: Infer<Schema>, meta: Meta): void
  }): MessageDefinition<Type, Infer<Schema> & { type: Type }, Meta> {
    type Message = Infer<Schema> & { type: Type }
    const validator = vine.withMetaData<Meta & Record<string, any>>().create(definition.schema)
    return {
      command: definition.command,
      type: definition.type,
      read: (reader, meta) =>
        ({ type: definition.type, ...definition.read(reader, meta) }) as Message,
      write: definition.write,
      validate: async (value, meta) =>
        (await validator.validate(value, { meta: meta as Meta & Record<string, any> })) as Message,
    }
  }

  /** Decoding and encoding over one direction's table of definitions. */
  function messageTable<Definition extends MessageDefinition<string, any, Meta>>(
    definitions: Definition[]
  ) {
    const byCommand = new Map(definitions.map((definition) => [definition.command, definition]))
    const byType = new Map(definitions.map((definition) => [definition.type, definition]))
    type Message = Definition extends MessageDefinition<string, infer M, Meta> ? M : never

    return {
      async decode(command: number, data: Buffer, meta: Meta): Promise<DecodeResult<Message>> {
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
          value = definition.read(new ByteReader(data, endian), meta)
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

      encode(message: Message, meta: Meta): { command: number; data: Buffer } {
        const definition = byType.get(message.type)
        if (!definition) throw new RangeError(`no such message type: ${message.type}`)
        const writer = new ByteWriter(endian)
        definition.write(writer, message, meta)
        return { command: definition.command, data: writer.toBuffer() }
      },
    }
  }

  return { defineMessage, messageTable }
}
