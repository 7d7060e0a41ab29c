import { sum16 } from '#sdk/checksum'

/** "DNY": three header bytes make a false header inside the data unlikely. */
export const DNY_HEADER = Buffer.from('DNY', 'ascii')

/** Header (3) and the length field (2) precede what the length counts. */
export const DNY_PREFIX_BYTES = 5

/** Physical id (4) + message id (2) + command (1) + checksum (2): the smallest length value. */
export const DNY_MIN_LENGTH = 9

/**
 * The document says "at most 256 bytes a packet", yet its own 0xF8 firmware
 * frames carry 256 data bytes (length 265); 512 leaves room for both.
 */
export const DNY_DEFAULT_MAX_LENGTH = 512

/** One whole, checksum-verified DNY frame. */
export interface DnyFrame {
  physicalId: number
  messageId: number
  command: number
  data: Buffer
}

/** The checksum: low 16 bits of the byte sum of everything before it, "DNY" included. */
export function hasValidChecksum(raw: Buffer) {
  return sum16(raw, 0, raw.length - 2) === raw.readUInt16LE(raw.length - 2)
}

export function encodeDnyFrame(frame: DnyFrame) {
  const length = DNY_MIN_LENGTH + frame.data.length
  if (length > 0xffff) throw new RangeError(`DNY frame data too long: ${frame.data.length} bytes`)
  const bytes = Buffer.alloc(DNY_PREFIX_BYTES + length)
  DNY_HEADER.copy(bytes, 0)
  bytes.writeUInt16LE(length, 3)
  bytes.writeUInt32LE(frame.physicalId, 5)
  bytes.writeUInt16LE(frame.messageId, 9)
  bytes.writeUInt8(frame.command, 11)
  frame.data.copy(bytes, 12)
  bytes.writeUInt16LE(sum16(bytes, 0, bytes.length - 2), bytes.length - 2)
  return bytes
}

/** Reads a frame the stream decoder has already delimited and verified. */
export function readDnyFrame(bytes: Buffer): DnyFrame {
  return {
    physicalId: bytes.readUInt32LE(5),
    messageId: bytes.readUInt16LE(9),
    command: bytes.readUInt8(11),
    data: Buffer.from(bytes.subarray(12, bytes.length - 2)),
  }
}
