import {
  JUY_DEFAULT_MAX_LENGTH,
  JUY_HEADER,
  JUY_MIN_LENGTH,
  JUY_PREFIX_BYTES,
  hasValidChecksum,
  readJuyFrame,
  type JuyFrame,
} from './frame.js'

export type JuyStreamProblemReason =
  'bad_checksum' | 'bad_length' | 'oversized_length' | 'bad_imei' | 'garbage' | 'buffer_overflow'

/** What a TCP stream from a JUY module is made of. */
export type JuyStreamItem =
  | { kind: 'frame'; frame: JuyFrame; raw: Buffer }
  /** Bytes dropped while looking for the next frame; the stream goes on. */
  | { kind: 'problem'; reason: JuyStreamProblemReason; dropped: number; sample: string }

export interface JuyFrameDecoderOptions {
  /** Largest length field accepted; above it the header is taken for noise. */
  maxLength?: number
  /** Bytes held while waiting for the rest of a frame; must fit one frame. */
  maxBufferBytes?: number
  /** Start with the IMEI header on (see `imeiHeader`). */
  imeiHeader?: boolean
}

const SAMPLE_BYTES = 32

/**
 * Cuts a JUY TCP byte stream (chunks split and merged anywhere) into frames
 * and problem reports. It never throws on input: a bad frame costs its own
 * bytes only, and decoding resumes at the next "5A A5" header.
 */
export class JuyFrameDecoder {
  readonly maxLength: number
  readonly maxBufferBytes: number
  /**
   * Whether frames carry the 15-byte IMEI after RESULT. Off on a new
   * connection; the connection turns it on once it has sent the login reply
   * with result F0, and the module keeps it until it reconnects.
   */
  imeiHeader: boolean
  #pending: Buffer = Buffer.alloc(0)

  constructor(options: JuyFrameDecoderOptions = {}) {
    this.maxLength = options.maxLength ?? JUY_DEFAULT_MAX_LENGTH
    this.maxBufferBytes = options.maxBufferBytes ?? 4096
    this.imeiHeader = options.imeiHeader ?? false
    if (this.maxLength < JUY_MIN_LENGTH || this.maxLength > 0xffff) {
      throw new RangeError(`maxLength must be ${JUY_MIN_LENGTH}-65535, got ${this.maxLength}`)
    }
    if (this.maxBufferBytes < JUY_PREFIX_BYTES + this.maxLength) {
      throw new RangeError('maxBufferBytes must hold the largest frame')
    }
  }

  /** Bytes held back, waiting for the rest of a frame. */
  get buffered() {
    return this.#pending.length
  }

  push(chunk: Uint8Array): JuyStreamItem[] {
    const buffer = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk)
    const items: JuyStreamItem[] = []
    let offset = 0
    while (offset < buffer.length) {
      const header = buffer.indexOf(JUY_HEADER, offset)
      if (header !== offset) {
        // Garbage up to the next header, keeping a last 5A that may begin one.
        let end = header === -1 ? buffer.length : header
        if (header === -1 && buffer[end - 1] === JUY_HEADER[0]) end--
        if (end === offset) break
        items.push(problem('garbage', buffer.subarray(offset, end)))
        offset = end
        continue
      }
      const consumed = this.#frameAt(buffer, offset, items)
      if (consumed === 0) break
      offset += consumed
    }
    this.#pending = Buffer.from(buffer.subarray(offset))
    if (this.#pending.length > this.maxBufferBytes) {
      items.push(problem('buffer_overflow', this.#pending))
      this.#pending = Buffer.alloc(0)
    }
    return items
  }

  /** Parses the frame whose header starts at offset; 0 = wait for more bytes. */
  #frameAt(buffer: Buffer, offset: number, items: JuyStreamItem[]) {
    if (buffer.length - offset < JUY_PREFIX_BYTES) return 0
    const length = buffer.readUInt16LE(offset + 2)
    if (length < JUY_MIN_LENGTH || length > this.maxLength) {
      // A false header: skip its first byte and look for the next one.
      const reason = length < JUY_MIN_LENGTH ? 'bad_length' : 'oversized_length'
      items.push(problem(reason, buffer.subarray(offset, offset + JUY_PREFIX_BYTES), 1))
      return 1
    }
    const end = offset + JUY_PREFIX_BYTES + length
    if (buffer.length < end) return 0
    const raw = buffer.subarray(offset, end)
    if (!hasValidChecksum(raw)) {
      // Trust the length only when the next header follows it; else the
      // length itself may be what is wrong, so resync byte by byte.
      const nextIsHeader = buffer.subarray(end, end + JUY_HEADER.length).equals(JUY_HEADER)
      const dropped = nextIsHeader ? raw.length : 1
      items.push(problem('bad_checksum', raw, dropped))
      return dropped
    }
    const copy = Buffer.from(raw)
    const frame = readJuyFrame(copy, this.imeiHeader)
    // The sum held, so the length is right: a missing IMEI costs this frame only.
    if (!frame) items.push(problem('bad_imei', copy))
    else items.push({ kind: 'frame', frame, raw: copy })
    return raw.length
  }
}

function problem(
  reason: JuyStreamProblemReason,
  bytes: Buffer,
  dropped = bytes.length
): JuyStreamItem {
  return {
    kind: 'problem',
    reason,
    dropped,
    sample: bytes.subarray(0, SAMPLE_BYTES).toString('hex').toUpperCase(),
  }
}
