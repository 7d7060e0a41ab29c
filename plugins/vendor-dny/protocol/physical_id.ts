/** Device type: the first byte of the physical id read big-endian (the last byte on the wire). */
export const DNY_DEVICE_TYPES = {
  0x03: 'single_socket',
  0x04: 'dual_socket',
  0x05: 'ten_port',
  0x06: 'sixteen_port',
  0x07: 'twelve_port',
  0x09: 'host',
  0x0a: 'leakage_protection_host',
} as const

export type DnyDeviceTypeName = (typeof DNY_DEVICE_TYPES)[keyof typeof DNY_DEVICE_TYPES]

/** The 3-byte device number is printed in decimal under the pile's QR code. */
export const DNY_MAX_DEVICE_NUMBER = 0xffffff

export interface DnyPhysicalId {
  deviceType: number
  /** The decimal number under the QR code. */
  deviceNumber: number
}

/**
 * The u32 physical id as read little-endian from the wire: its top byte is
 * the device type and the low 3 bytes the device number (the document's
 * example: wire 40 AA CE 04 = 0x04CEAA40, type 04, number 13544000).
 */
export function splitPhysicalId(physicalId: number): DnyPhysicalId {
  return { deviceType: physicalId >>> 24, deviceNumber: physicalId & DNY_MAX_DEVICE_NUMBER }
}

export function joinPhysicalId({ deviceType, deviceNumber }: DnyPhysicalId) {
  if (!Number.isInteger(deviceType) || deviceType < 0 || deviceType > 0xff) {
    throw new RangeError(`device type must be one byte, got ${deviceType}`)
  }
  if (!Number.isInteger(deviceNumber) || deviceNumber < 0 || deviceNumber > DNY_MAX_DEVICE_NUMBER) {
    throw new RangeError(`device number must fit 3 bytes (0-16777215), got ${deviceNumber}`)
  }
  return ((deviceType << 24) | deviceNumber) >>> 0
}

export function deviceTypeName(deviceType: number): DnyDeviceTypeName | null {
  return DNY_DEVICE_TYPES[deviceType as keyof typeof DNY_DEVICE_TYPES] ?? null
}

/** "04-13544000": type in hex, number as printed under the QR code. */
export function formatPhysicalId(physicalId: number) {
  const { deviceType, deviceNumber } = splitPhysicalId(physicalId)
  return `${deviceType.toString(16).toUpperCase().padStart(2, '0')}-${deviceNumber}`
}

export function parsePhysicalId(text: string) {
  const match = /^([0-9A-Fa-f]{2})-(\d{1,8})$/.exec(text.trim())
  if (!match) throw new RangeError(`physical id must look like 04-13544000, got "${text}"`)
  return joinPhysicalId({
    deviceType: Number.parseInt(match[1], 16),
    deviceNumber: Number(match[2]),
  })
}

/**
 * Message ids of the commands one side sends: each new command gets a new
 * id, a resend keeps its id, and a reply echoes the id of what it answers.
 * Wraps within 1-0xFFFF: 0 is left out so that a zeroed field never looks
 * like a live id.
 */
export class MessageIdCounter {
  #last: number

  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0 || start > 0xffff) {
      throw new RangeError(`message id start must be 0-65535, got ${start}`)
    }
    this.#last = start
  }

  next() {
    this.#last = this.#last >= 0xffff ? 1 : this.#last + 1
    return this.#last
  }
}
