/*
| Streaming frame decoders for what a socket receives: chunks split and
| merged anywhere. Both hold a bounded buffer and never throw on input, so
| a garbled or hostile stream costs its own bytes and cannot end the
| socket handler: what they drop comes out as `problem` items for the
| adapter to count, log (throttled) or answer by closing the connection.
*/

const SAMPLE_BYTES = 32

export type FrameProblemReason =
  | 'bad_checksum'
  | 'bad_length'
  | 'oversized_length'
  | 'garbage'
  | 'buffer_overflow'
  /** More bytes dropped since the last good item than `maxSkippedBytes`: the decoder stops. */
  | 'resync_exhausted'

/** Bytes dropped while looking for the next frame; the stream goes on (unless resync is exhausted). */
export interface FrameProblem<Reason extends string = FrameProblemReason> {
  kind: 'problem'
  reason: Reason
  dropped: number
  /** The first bytes dropped, in hex, for the log line. */
  sample: string
}

export function frameProblem<Reason extends string>(
  reason: Reason,
  bytes: Buffer,
  dropped = bytes.length
): FrameProblem<Reason> {
  return {
    kind: 'problem',
    reason,
    dropped,
    sample: bytes.subarray(0, SAMPLE_BYTES).toString('hex').toUpperCase(),
  }
}

/** How a protocol's frames are laid out: a fixed header, a length field, a checksum. */
export interface LengthPrefixedFormat<Frame, Refusal extends string = never> {
  /** The bytes every frame starts with. */
  header: Buffer
  /** Where the length field starts, from the first header byte. */
  lengthOffset: number
  lengthBytes: 1 | 2
  endian?: 'le' | 'be'
  /** Bytes before what the length counts (header and length field, at least). */
  prefixBytes: number
  /** The smallest length value a frame can have. */
  minLength: number
  /** Whether a delimited frame's checksum holds. */
  verify(raw: Buffer): boolean
  /**
   * The frame in bytes whose checksum held; a refusal reason when the bytes
   * still do not make a frame (it costs that frame only: the length was right).
   */
  read(raw: Buffer): Frame | { refused: Refusal }
  /**
   * Bytes before a header that are not garbage (a module's text greetings):
   * an item and the bytes it takes, 'wait' when more bytes may make one,
   * null for garbage. `complete`: a header follows the segment.
   */
  between?(segment: Buffer, complete: boolean): { item: any; length: number } | 'wait' | null
}

export interface LengthPrefixedOptions {
  /** Largest length field accepted; above it the header is taken for noise. */
  maxLength: number
  /** Bytes held while waiting for the rest of a frame; must fit one frame. Default 4096. */
  maxBufferBytes?: number
  /**
   * Bytes that may be dropped since the last good item before the decoder
   * gives up on the stream, so resyncing costs bounded work. Default: no limit.
   */
  maxSkippedBytes?: number
}

export type LengthPrefixedItem<Frame, Extra = never, Refusal extends string = never> =
  { kind: 'frame'; frame: Frame; raw: Buffer } | FrameProblem<FrameProblemReason | Refusal> | Extra

/**
 * Cuts a byte stream into header + length + body + checksum frames. A false
 * header (a length out of range) costs one byte; a bad checksum costs the
 * frame when the next header follows it, else one byte (the length itself
 * may be what is wrong); decoding resumes at the next header.
 */
export class LengthPrefixedDecoder<Frame, Extra = never, Refusal extends string = never> {
  readonly maxLength: number
  readonly maxBufferBytes: number
  readonly maxSkippedBytes: number
  #pending: Buffer = Buffer.alloc(0)
  #skipped = 0
  /** Items of the current push already counted into #skipped. */
  #counted = 0
  #exhausted = false

  constructor(
    protected format: LengthPrefixedFormat<Frame, Refusal>,
    options: LengthPrefixedOptions
  ) {
    this.maxLength = options.maxLength
    this.maxBufferBytes = options.maxBufferBytes ?? 4096
    this.maxSkippedBytes = options.maxSkippedBytes ?? Number.POSITIVE_INFINITY
    const largest = format.lengthBytes === 1 ? 0xff : 0xffff
    if (this.maxLength < format.minLength || this.maxLength > largest) {
      throw new RangeError(
        `maxLength must be ${format.minLength}-${largest}, got ${this.maxLength}`
      )
    }
    if (this.maxBufferBytes < format.prefixBytes + this.maxLength) {
      throw new RangeError('maxBufferBytes must hold the largest frame')
    }
  }

  /** Bytes held back, waiting for the rest of a frame. */
  get buffered() {
    return this.#pending.length
  }

  /** True once the stream held more garbage than `maxSkippedBytes`: input is ignored from then on. */
  get exhausted() {
    return this.#exhausted
  }

  push(chunk: Uint8Array): LengthPrefixedItem<Frame, Extra, Refusal>[] {
    if (this.#exhausted) return []
    const buffer = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk)
    const items: LengthPrefixedItem<Frame, Extra, Refusal>[] = []
    this.#counted = 0
    let offset = 0
    while (offset < buffer.length) {
      if (this.#tally(items)) {
        this.#pending = Buffer.alloc(0)
        return items
      }
      const header = buffer.indexOf(this.format.header, offset)
      const consumed =
        header === offset
          ? this.#frameAt(buffer, offset, items)
          : this.#nonFrameBytes(buffer, offset, header, items)
      if (consumed === 0) break
      offset += consumed
    }
    this.#pending = Buffer.from(buffer.subarray(offset))
    if (this.#pending.length > this.maxBufferBytes) {
      items.push(frameProblem('buffer_overflow', this.#pending))
      this.#pending = Buffer.alloc(0)
    }
    this.#tally(items)
    return items
  }

  /**
   * Counts the bytes dropped by the items not yet counted; true (with a
   * last `resync_exhausted` item) once they pass `maxSkippedBytes`.
   */
  #tally(items: LengthPrefixedItem<Frame, Extra, Refusal>[]) {
    for (let index = this.#counted; index < items.length; index++) {
      const item = items[index] as { kind: string; dropped?: number }
      if (item.kind === 'problem') this.#skipped += item.dropped!
      else this.#skipped = 0
    }
    this.#counted = items.length
    if (this.#skipped <= this.maxSkippedBytes) return false
    this.#exhausted = true
    items.push({ kind: 'problem', reason: 'resync_exhausted', dropped: 0, sample: '' })
    return true
  }

  #lengthAt(buffer: Buffer, offset: number) {
    const at = offset + this.format.lengthOffset
    if (this.format.lengthBytes === 1) return buffer.readUInt8(at)
    return this.format.endian === 'be' ? buffer.readUInt16BE(at) : buffer.readUInt16LE(at)
  }

  /** Parses the frame whose header starts at offset; 0 = wait for more bytes. */
  #frameAt(buffer: Buffer, offset: number, items: LengthPrefixedItem<Frame, Extra, Refusal>[]) {
    const { header, prefixBytes, minLength } = this.format
    if (buffer.length - offset < prefixBytes) return 0
    const length = this.#lengthAt(buffer, offset)
    if (length < minLength || length > this.maxLength) {
      // A false header: skip its first byte and look for the next one.
      const reason = length < minLength ? 'bad_length' : 'oversized_length'
      items.push(frameProblem(reason, buffer.subarray(offset, offset + prefixBytes), 1))
      return 1
    }
    const end = offset + prefixBytes + length
    if (buffer.length < end) return 0
    const raw = buffer.subarray(offset, end)
    if (!this.format.verify(raw)) {
      // Trust the length only when the next header follows it; else the
      // length itself may be what is wrong, so resync byte by byte.
      const nextIsHeader = buffer.subarray(end, end + header.length).equals(header)
      const dropped = nextIsHeader ? raw.length : 1
      items.push(frameProblem('bad_checksum', raw, dropped))
      return dropped
    }
    const copy = Buffer.from(raw)
    const frame = this.format.read(copy)
    if (isRefusal(frame)) items.push(frameProblem(frame.refused, copy))
    else items.push({ kind: 'frame', frame, raw: copy })
    return raw.length
  }

  /**
   * Bytes before a header (or all of them when no header is in sight yet):
   * the protocol's text items, or garbage. Returns the bytes consumed;
   * 0 = they may still become text or a header: wait.
   */
  #nonFrameBytes(
    buffer: Buffer,
    offset: number,
    header: number,
    items: LengthPrefixedItem<Frame, Extra, Refusal>[]
  ) {
    const headerSeen = header !== -1
    const segment = buffer.subarray(offset, headerSeen ? header : buffer.length)
    const text = this.format.between?.(segment, headerSeen) ?? null
    if (text === 'wait') return 0
    if (text) {
      items.push(text.item)
      return text.length
    }
    // Garbage up to the next header, keeping a tail that may begin one.
    let size = segment.length
    if (!headerSeen) size -= partialHeaderTail(segment, this.format.header)
    if (size === 0) return 0
    items.push(frameProblem('garbage', segment.subarray(0, size), size))
    return size
  }
}

function isRefusal(value: unknown): value is { refused: string } {
  return typeof value === 'object' && value !== null && 'refused' in value
}

/** How many trailing bytes could be the start of a header cut by the chunk boundary. */
function partialHeaderTail(segment: Buffer, header: Buffer) {
  for (let size = Math.min(header.length - 1, segment.length); size > 0; size--) {
    if (segment.subarray(segment.length - size).equals(header.subarray(0, size))) return size
  }
  return 0
}

export type DelimitedItem =
  | { kind: 'frame'; raw: Buffer }
  /** A frame longer than `maxFrameBytes`: dropped up to its delimiter. */
  | FrameProblem<'oversized_frame'>

/**
 * Cuts a byte stream at a delimiter (a newline, 0x7E...). A frame longer
 * than `maxFrameBytes` is dropped whole, up to its delimiter, and reported
 * once; the frames after it come through. Empty frames are skipped.
 */
export class DelimitedDecoder {
  readonly delimiter: Buffer
  readonly maxFrameBytes: number
  #pending: Buffer = Buffer.alloc(0)
  /** Bytes of an oversized frame dropped so far; its rest is dropped up to the delimiter. */
  #discarding: number | null = null
  #sample: Buffer = Buffer.alloc(0)

  constructor(options: { delimiter: string | Buffer; maxFrameBytes: number }) {
    this.delimiter = Buffer.from(options.delimiter)
    this.maxFrameBytes = options.maxFrameBytes
    if (!this.delimiter.length) throw new RangeError('the delimiter must not be empty')
    if (this.maxFrameBytes < 1) throw new RangeError('maxFrameBytes must be at least 1')
  }

  /** Bytes held back, waiting for a delimiter. */
  get buffered() {
    return this.#pending.length
  }

  push(chunk: Uint8Array): DelimitedItem[] {
    const buffer = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk)
    const items: DelimitedItem[] = []
    let offset = 0
    while (offset < buffer.length) {
      const end = buffer.indexOf(this.delimiter, offset)
      if (end === -1) break
      const raw = buffer.subarray(offset, end)
      offset = end + this.delimiter.length
      if (this.#discarding !== null) {
        items.push(frameProblem('oversized_frame', this.#sample, this.#discarding + raw.length))
        this.#discarding = null
      } else if (raw.length > this.maxFrameBytes) {
        items.push(frameProblem('oversized_frame', raw))
      } else if (raw.length) {
        items.push({ kind: 'frame', raw: Buffer.from(raw) })
      }
    }
    // Keep a tail that may be the start of a delimiter cut by the chunk boundary.
    const rest = buffer.subarray(offset)
    if (this.#discarding === null && rest.length <= this.maxFrameBytes + this.delimiter.length) {
      this.#pending = Buffer.from(rest)
      return items
    }
    const keep = partialHeaderTail(rest, this.delimiter)
    if (this.#discarding === null) this.#sample = Buffer.from(rest.subarray(0, SAMPLE_BYTES))
    this.#discarding = (this.#discarding ?? 0) + rest.length - keep
    this.#pending = Buffer.from(rest.subarray(rest.length - keep))
    return items
  }
}
