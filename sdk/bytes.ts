/*
| Byte readers and writers for binary pile protocols. Little-endian unless
| told (DNY and JUY are); every read names its field, so a short body is
| refused with what was missing instead of a RangeError from deep inside
| Buffer.
*/

export type Endian = 'le' | 'be'

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

/** Reads one message body field by field; a read past the end throws TruncatedBodyError. */
export class ByteReader {
  #offset = 0

  constructor(
    private readonly buffer: Buffer,
    private readonly endian: Endian = 'le'
  ) {}

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
    const at = this.#take(field, 2)
    return this.endian === 'le' ? this.buffer.readUInt16LE(at) : this.buffer.readUInt16BE(at)
  }

  u32(field: string) {
    const at = this.#take(field, 4)
    return this.endian === 'le' ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at)
  }

  bytes(field: string, size: number) {
    const start = this.#take(field, size)
    return this.buffer.subarray(start, start + size)
  }

  /** A fixed-size ASCII field; piles pad short values with NUL bytes. */
  ascii(field: string, size: number) {
    return this.bytes(field, size).toString('latin1').replace(/\0+$/, '')
  }

  /** Trailing fields added to a protocol over the years: older firmware omits them. */
  optional<T>(size: number, read: () => T): T | undefined {
    return this.remaining >= size ? read() : undefined
  }
}

/** Builds one message body; out-of-range values are programming errors and throw. */
export class ByteWriter {
  readonly #parts: Buffer[] = []

  constructor(private readonly endian: Endian = 'le') {}

  u8(value: number) {
    const part = Buffer.alloc(1)
    part.writeUInt8(value)
    this.#parts.push(part)
    return this
  }

  u16(value: number) {
    const part = Buffer.alloc(2)
    if (this.endian === 'le') part.writeUInt16LE(value)
    else part.writeUInt16BE(value)
    this.#parts.push(part)
    return this
  }

  u32(value: number) {
    const part = Buffer.alloc(4)
    if (this.endian === 'le') part.writeUInt32LE(value)
    else part.writeUInt32BE(value)
    this.#parts.push(part)
    return this
  }

  bytes(value: Buffer) {
    this.#parts.push(Buffer.from(value))
    return this
  }

  zeros(size: number) {
    this.#parts.push(Buffer.alloc(size))
    return this
  }

  /** A fixed-size ASCII field, NUL-padded. */
  ascii(value: string, size: number, field: string) {
    if (!/^[\x20-\x7e]*$/.test(value) || value.length > size) {
      throw new RangeError(`${field} must be at most ${size} printable ASCII characters`)
    }
    const part = Buffer.alloc(size)
    part.write(value, 'latin1')
    this.#parts.push(part)
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
