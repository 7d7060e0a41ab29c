import { dnyDeviceMessages, type DnyDeviceMessage } from './device_messages.js'
import { encodeDnyFrame, type DnyFrame } from './frame.js'
import type { DecodeResult } from '#sdk/messages'
import { DNY_MAX_PORTS } from './message_definition.js'
import { dnyServerMessages, type DnyServerMessage } from './server_messages.js'

export interface DnyFrameHeader {
  physicalId: number
  /** A new id per command; a reply carries the id of the message it answers. */
  messageId: number
}

export interface DnyDecodeOptions {
  /** The pile's port count once known (from its 0x20 register); ports above it are refused. */
  portCount?: number
}

function meta(options: DnyDecodeOptions) {
  return { portCount: options.portCount ?? DNY_MAX_PORTS }
}

/** Server side: a frame from a pile as a typed, validated message, or a reason to refuse it. */
export function decodeDeviceMessage(
  frame: DnyFrame,
  options: DnyDecodeOptions = {}
): Promise<DecodeResult<DnyDeviceMessage>> {
  return dnyDeviceMessages.decode(frame.command, frame.data, meta(options))
}

/** Server side: a command or reply for a pile, as bytes. */
export function encodeServerMessage(header: DnyFrameHeader, message: DnyServerMessage) {
  return encodeDnyFrame({ ...header, ...dnyServerMessages.encode(message, meta({})) })
}

/** Pile side (simulators): a server frame as a typed, validated message. */
export function decodeServerMessage(
  frame: DnyFrame,
  options: DnyDecodeOptions = {}
): Promise<DecodeResult<DnyServerMessage>> {
  return dnyServerMessages.decode(frame.command, frame.data, meta(options))
}

/** Pile side (simulators): a pile's message as bytes. */
export function encodeDeviceMessage(header: DnyFrameHeader, message: DnyDeviceMessage) {
  return encodeDnyFrame({ ...header, ...dnyDeviceMessages.encode(message, meta({})) })
}

export type { DnyDeviceMessage, DnyServerMessage, DecodeResult }
