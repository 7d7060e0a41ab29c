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

  /** A fixed-size ASCII field; the pile pads short values with NUL bytes. */
  ascii(field: string, size: number) {
    return this.bytes(field, size).toString('latin1').replace(/\0+$/, '')
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
