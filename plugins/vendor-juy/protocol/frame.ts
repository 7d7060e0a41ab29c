import { sum8 } from '#sdk/checksum'

/** "5A A5": the frame header of both the TCP and the MQTT variant. */
export const JUY_HEADER = Buffer.from([0x5a, 0xa5])

/** Header (2) and the length field (2) precede what the length counts. */
export const JUY_PREFIX_BYTES = 4

/** CMD + RESULT + SUM: the smallest length value. */
export const JUY_MIN_LENGTH = 3

/** The IMEI header of the TCP variant: 15 ASCII digits right after RESULT. */
export const JUY_IMEI_BYTES = 15

/**
 * The largest documented frame is a 0x88 port report: 17 bytes a port, so
 * 20 ports plus the IMEI header come to 364. 512 leaves room.
 */
export const JUY_DEFAULT_MAX_LENGTH = 512

/** 0x81 login never carries the IMEI header: its data starts with the IMEI. */
export const JUY_LOGIN_COMMAND = 0x81

/** RESULT byte: 01 ok, 00 fail, FF no network. Every sample frame sends 00. */
export const JUY_DEFAULT_RESULT = 0x00

/** One whole, checksum-verified JUY frame. */
export interface JuyFrame {
  command: number
  result: number
  /** The TCP IMEI header; null in MQTT frames, in 0x81 and before the login reply switched it on. */
  imei: string | null
  data: Buffer
}

export function isImei(value: string) {
  return /^\d{15}$/.test(value)
}

/**
 * True when a delimited frame's last byte is its checksum: the low 8 bits
 * of the byte sum from the length field through the data (IMEI included).
 */
export function hasValidChecksum(raw: Buffer) {
  return sum8(raw, JUY_HEADER.length, raw.length - 1) === raw[raw.length - 1]
}

export function encodeJuyFrame(frame: JuyFrame) {
  if (frame.imei !== null && !isImei(frame.imei)) {
    throw new RangeError(`IMEI must be 15 digits, got "${frame.imei}"`)
  }
  if (frame.imei !== null && frame.command === JUY_LOGIN_COMMAND) {
    throw new RangeError('0x81 login never carries the IMEI header')
  }
  const imei = frame.imei === null ? Buffer.alloc(0) : Buffer.from(frame.imei, 'latin1')
  const length = JUY_MIN_LENGTH + imei.length + frame.data.length
  if (length > 0xffff) throw new RangeError(`JUY frame data too long: ${frame.data.length} bytes`)
  const bytes = Buffer.alloc(JUY_PREFIX_BYTES + length)
  JUY_HEADER.copy(bytes, 0)
  bytes.writeUInt16LE(length, 2)
  bytes.writeUInt8(frame.command, 4)
  bytes.writeUInt8(frame.result, 5)
  imei.copy(bytes, 6)
  frame.data.copy(bytes, 6 + imei.length)
  bytes.writeUInt8(sum8(bytes, JUY_HEADER.length, bytes.length - 1), bytes.length - 1)
  return bytes
}

/**
 * Reads a frame already delimited and checksum-verified. With `imeiHeader`
 * the 15 bytes after RESULT must be an IMEI (except in 0x81); null when
 * they are not, so the caller refuses the frame.
 */
export function readJuyFrame(raw: Buffer, imeiHeader: boolean): JuyFrame | null {
  const command = raw.readUInt8(4)
  const result = raw.readUInt8(5)
  const body = raw.subarray(6, raw.length - 1)
  if (!imeiHeader || command === JUY_LOGIN_COMMAND) {
    return { command, result, imei: null, data: Buffer.from(body) }
  }
  const imei = body.subarray(0, JUY_IMEI_BYTES).toString('latin1')
  if (body.length < JUY_IMEI_BYTES || !isImei(imei)) return null
  return { command, result, imei, data: Buffer.from(body.subarray(JUY_IMEI_BYTES)) }
}
