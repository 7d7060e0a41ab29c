import {
  DNY_DEFAULT_MAX_LENGTH,
  DNY_HEADER,
  DNY_MIN_LENGTH,
  DNY_PREFIX_BYTES,
  dnyChecksum,
  readDnyFrame,
  type DnyFrame,
} from './frame.js'

export type DnyStreamProblemReason =
  | 'bad_checksum'
  | 'bad_length'
  | 'oversized_length'
  | 'garbage'
  | 'buffer_overflow'
  /** More bytes dropped since the last good item than `maxSkippedBytes`: the decoder stops. */
  | 'resync_exhausted'

/** What a TCP stream from a DNY module is made of. */
export type DnyStreamItem =
  | { kind: 'frame'; frame: DnyFrame; raw: Buffer }
  /** The SIM's ICCID, sent once as text when the module connects. */
  | { kind: 'iccid'; iccid: string }
  /** The module's text keep-alive after 30 s without traffic. */
  | { kind: 'link' }
  /** Bytes dropped while looking for the next frame; the stream goes on. */
  | { kind: 'problem'; reason: DnyStreamProblemReason; dropped: number; sample: string }

export interface DnyFrameDecoderOptions {
  /** Largest length field accepted; above it the header is taken for noise. */
  maxLength?: number
  /** Bytes held while waiting for the rest of a frame or text; must fit one frame. */
  maxBufferBytes?: number
  /**
   * Bytes that may be dropped (garbage, false headers, bad checksums) since
   * the last frame or text before the decoder gives up on the stream, so
   * resyncing costs a bounded amount of work. Default: twice the buffer,
   * at least 4096.
   */
  maxSkippedBytes?: number
}

const LINK = 'link'
const ICCID_LENGTH = 20
/** ICCIDs have 19 or 20 characters; a 19-character one is only sure once something follows. */
const ICCID_MIN_LENGTH = 19
const SAMPLE_BYTES = 32

/**
 * Cuts a DNY byte stream (chunks split and merged anywhere) into frames,
 * the module's text items and problem reports. It never throws on input:
 * a bad frame costs its own bytes only, and decoding resumes at the next
 * "DNY" header.
 */
export class DnyFrameDecoder {
  readonly maxLength: number
  readonly maxBufferBytes: number
  readonly maxSkippedBytes: number
  #pending: Buffer = Buffer.alloc(0)
  #skipped = 0
  /** Items of the current push already counted into #skipped. */
  #counted = 0
  #exhausted = false

  constructor(options: DnyFrameDecoderOptions = {}) {
    this.maxLength = options.maxLength ?? DNY_DEFAULT_MAX_LENGTH
    this.maxBufferBytes = options.maxBufferBytes ?? 4096
    this.maxSkippedBytes = options.maxSkippedBytes ?? Math.max(4096, 2 * this.maxBufferBytes)
    if (this.maxLength < DNY_MIN_LENGTH || this.maxLength > 0xffff) {
      throw new RangeError(`maxLength must be ${DNY_MIN_LENGTH}-65535, got ${this.maxLength}`)
    }
    if (this.maxBufferBytes < DNY_PREFIX_BYTES + this.maxLength) {
      throw new RangeError('maxBufferBytes must hold the largest frame')
    }
  }

  /** Bytes held back, waiting for the rest of a frame or text. */
  get buffered() {
    return this.#pending.length
  }

  /** True once the stream held more garbage than `maxSkippedBytes`: input is ignored from then on. */
  get exhausted() {
    return this.#exhausted
  }

  push(chunk: Uint8Array): DnyStreamItem[] {
    if (this.#exhausted) return []
    const buffer = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk)
    const items: DnyStreamItem[] = []
    this.#counted = 0
    let offset = 0
    while (offset < buffer.length) {
      if (this.#tally(items)) {
        this.#pending = Buffer.alloc(0)
        return items
      }
      const header = buffer.indexOf(DNY_HEADER, offset)
      if (header !== offset) {
        const consumed = this.#nonFrameBytes(buffer, offset, header, items)
        if (consumed === 0) break
        offset += consumed
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
    this.#tally(items)
    return items
  }

  /**
   * Counts the bytes dropped by the items not yet counted; true (with a
   * last `resync_exhausted` item) once they pass `maxSkippedBytes`.
   */
  #tally(items: DnyStreamItem[]) {
    for (let index = this.#counted; index < items.length; index++) {
      const item = items[index]
      if (item.kind === 'problem') this.#skipped += item.dropped
      else this.#skipped = 0
    }
    this.#counted = items.length
    if (this.#skipped <= this.maxSkippedBytes) return false
    this.#exhausted = true
    items.push({ kind: 'problem', reason: 'resync_exhausted', dropped: 0, sample: '' })
    return true
  }

  /** Parses the frame whose header starts at offset; 0 = wait for more bytes. */
  #frameAt(buffer: Buffer, offset: number, items: DnyStreamItem[]) {
    if (buffer.length - offset < DNY_PREFIX_BYTES) return 0
    const length = buffer.readUInt16LE(offset + 3)
    if (length < DNY_MIN_LENGTH || length > this.maxLength) {
      // A false header: skip its first byte and look for the next one.
      items.push(
        problem(
          length < DNY_MIN_LENGTH ? 'bad_length' : 'oversized_length',
          buffer.subarray(offset, offset + DNY_PREFIX_BYTES),
          1
        )
      )
      return 1
    }
    const end = offset + DNY_PREFIX_BYTES + length
    if (buffer.length < end) return 0
    const raw = buffer.subarray(offset, end)
    if (dnyChecksum(raw, raw.length - 2) !== raw.readUInt16LE(raw.length - 2)) {
      // Trust the length only when the next header follows it; else the
      // length itself may be what is wrong, so resync byte by byte.
      const nextIsHeader = buffer.subarray(end, end + DNY_HEADER.length).equals(DNY_HEADER)
      const dropped = nextIsHeader ? raw.length : 1
      items.push(problem('bad_checksum', raw, dropped))
      return dropped
    }
    const copy = Buffer.from(raw)
    items.push({ kind: 'frame', frame: readDnyFrame(copy), raw: copy })
    return raw.length
  }

  /**
   * Bytes before a header (or all of them when no header is in sight yet):
   * the module's "link" and ICCID texts, or garbage. Returns the bytes
   * consumed; 0 = they may still become text or a header: wait.
   */
  #nonFrameBytes(buffer: Buffer, offset: number, header: number, items: DnyStreamItem[]) {
    const headerSeen = header !== -1
    const segment = buffer.subarray(offset, headerSeen ? header : buffer.length)
    const text = readText(segment, headerSeen)
    if (text === 'wait') return 0
    if (text) {
      items.push(text.item)
      return text.length
    }
    // Garbage up to the next header, keeping a tail that may begin one.
    let size = segment.length
    if (!headerSeen) size -= partialHeaderTail(segment)
    if (size === 0) return 0
    items.push(problem('garbage', segment.subarray(0, size), size))
    return size
  }
}

/** A "link" or ICCID text at the start of the segment, 'wait' if it may still become one. */
function readText(segment: Buffer, complete: boolean) {
  const head = segment.subarray(0, LINK.length).toString('latin1')
  if (head === LINK) return { item: { kind: 'link' } as const, length: LINK.length }
  if (!complete && segment.length < LINK.length && LINK.startsWith(head)) return 'wait'
  let run = 0
  while (run < segment.length && run < ICCID_LENGTH && isAlphanumeric(segment[run])) run++
  const runEndsSegment = run === segment.length
  if (run === ICCID_LENGTH || (run >= ICCID_MIN_LENGTH && (complete || !runEndsSegment))) {
    return {
      item: { kind: 'iccid', iccid: segment.subarray(0, run).toString('latin1') } as const,
      length: run,
    }
  }
  if (!complete && runEndsSegment) return 'wait'
  return null
}

/** How many trailing bytes could be the start of a "DNY" header cut by the chunk boundary. */
function partialHeaderTail(segment: Buffer) {
  for (let size = Math.min(DNY_HEADER.length - 1, segment.length); size > 0; size--) {
    if (segment.subarray(segment.length - size).equals(DNY_HEADER.subarray(0, size))) return size
  }
  return 0
}

function isAlphanumeric(byte: number) {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a)
  )
}

function problem(
  reason: DnyStreamProblemReason,
  bytes: Buffer,
  dropped = bytes.length
): DnyStreamItem {
  return {
    kind: 'problem',
    reason,
    dropped,
    sample: bytes.subarray(0, SAMPLE_BYTES).toString('hex').toUpperCase(),
  }
}
