import { LengthPrefixedDecoder, type LengthPrefixedItem } from '#sdk/frame_decoder'
import {
  DNY_DEFAULT_MAX_LENGTH,
  DNY_HEADER,
  DNY_MIN_LENGTH,
  DNY_PREFIX_BYTES,
  hasValidChecksum,
  readDnyFrame,
  type DnyFrame,
} from './frame.js'

/** The module's text items between frames. */
type DnyTextItem =
  /** The SIM's ICCID, sent once as text when the module connects. */
  | { kind: 'iccid'; iccid: string }
  /** The module's text keep-alive after 30 s without traffic. */
  | { kind: 'link' }

/** What a TCP stream from a DNY module is made of. */
export type DnyStreamItem = LengthPrefixedItem<DnyFrame, DnyTextItem>

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

/**
 * Cuts a DNY byte stream (chunks split and merged anywhere) into frames,
 * the module's text items and problem reports (the kit's length-prefixed
 * decoder): a bad frame costs its own bytes only, and decoding resumes at
 * the next "DNY" header.
 */
export class DnyFrameDecoder extends LengthPrefixedDecoder<DnyFrame, DnyTextItem> {
  constructor(options: DnyFrameDecoderOptions = {}) {
    const maxBufferBytes = options.maxBufferBytes ?? 4096
    super(
      {
        header: DNY_HEADER,
        lengthOffset: 3,
        lengthBytes: 2,
        prefixBytes: DNY_PREFIX_BYTES,
        minLength: DNY_MIN_LENGTH,
        verify: hasValidChecksum,
        read: readDnyFrame,
        between: readText,
      },
      {
        maxLength: options.maxLength ?? DNY_DEFAULT_MAX_LENGTH,
        maxBufferBytes,
        maxSkippedBytes: options.maxSkippedBytes ?? Math.max(4096, 2 * maxBufferBytes),
      }
    )
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

function isAlphanumeric(byte: number) {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a)
  )
}
