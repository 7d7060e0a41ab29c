/** A message body ended before a field the layout requires. */
export class TruncatedBodyError extends Error {
  constructor(
    readonly field: string,
    readonly needed: number,
    readonly available: number
  ) {
    super(`body too short for ${field}: needs ${needed} byte(s), ${available} left`)
  }
}

/** Little-endian reader over one message body; every read names its field for the rejection. */
export class ByteReader {
  #offset = 0

  constructor(private readonly buffer: Buffer) {}

  get remaining() {
    return this.buffer.length - this.#offset
  }

  #take(field: string, size: number) {
    if (this.remaining < size) throw new TruncatedBodyError(field, size, this.remaining)
    const start = this.#offset
    this.#offset += size
    return start
  }

  u8(field: string) {
    return this.buffer.readUInt8(this.#take(field, 1))
  }

  u16(field: string) {
    return this.buffer.readUInt16LE(this.#take(field, 2))
  }

  u32(field: string) {
    return this.buffer.readUInt32LE(this.#take(field, 4))
  }

  bytes(field: string, size: number) {
    const start = this.#take(field, size)
    return this.buffer.subarray(start, start + size)
  }

  /** Trailing fields were added to the protocol over the years: older firmware omits them. */
  optional<T>(size: number, read: () => T): T | undefined {
    return this.remaining >= size ? read() : undefined
  }
}

/** Little-endian writer; out-of-range values are programming errors and throw. */
export class ByteWriter {
  readonly #parts: Buffer[] = []

  u8(value: number) {
    const part = Buffer.alloc(1)
    part.writeUInt8(value)
    this.#parts.push(part)
    return this
  }

  u16(value: number) {
    const part = Buffer.alloc(2)
    part.writeUInt16LE(value)
    this.#parts.push(part)
    return this
  }

  u32(value: number) {
    const part = Buffer.alloc(4)
    part.writeUInt32LE(value)
    this.#parts.push(part)
    return this
  }

  bytes(value: Buffer) {
    this.#parts.push(Buffer.from(value))
    return this
  }

  toBuffer() {
    return Buffer.concat(this.#parts)
  }
}

/** Fixed-size binary ids (order numbers, card UIDs) travel as upper-case hex. */
export function hexBytes(hex: string, size: number, field: string) {
  if (!new RegExp(`^[0-9A-Fa-f]{${size * 2}}$`).test(hex)) {
    throw new RangeError(`${field} must be ${size} bytes as ${size * 2} hex digits, got "${hex}"`)
  }
  return Buffer.from(hex, 'hex')
}

export function toHex(bytes: Buffer) {
  return bytes.toString('hex').toUpperCase()
}
