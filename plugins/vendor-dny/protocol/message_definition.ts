import { vine } from '#sdk/schema'
import { messageCodec } from '#sdk/messages'

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

export const { defineMessage, messageTable } = messageCodec<DnyDecodeMeta>()
