import { LengthPrefixedDecoder, type LengthPrefixedItem } from '#sdk/frame_decoder'
import {
  JUY_DEFAULT_MAX_LENGTH,
  JUY_HEADER,
  JUY_MIN_LENGTH,
  JUY_PREFIX_BYTES,
  hasValidChecksum,
  readJuyFrame,
  type JuyFrame,
} from './frame.js'

/** What a TCP stream from a JUY module is made of; `bad_imei` drops a frame without its IMEI header. */
export type JuyStreamItem = LengthPrefixedItem<JuyFrame, never, 'bad_imei'>

export interface JuyFrameDecoderOptions {
  /** Largest length field accepted; above it the header is taken for noise. */
  maxLength?: number
  /** Bytes held while waiting for the rest of a frame; must fit one frame. */
  maxBufferBytes?: number
  /** Start with the IMEI header on (see `imeiHeader`). */
  imeiHeader?: boolean
}

/**
 * Cuts a JUY TCP byte stream (chunks split and merged anywhere) into frames
 * and problem reports (the kit's length-prefixed decoder): a bad frame
 * costs its own bytes only, and decoding resumes at the next "5A A5" header.
 */
export class JuyFrameDecoder extends LengthPrefixedDecoder<JuyFrame, never, 'bad_imei'> {
  readonly #state: { imeiHeader: boolean }

  constructor(options: JuyFrameDecoderOptions = {}) {
    const state = { imeiHeader: options.imeiHeader ?? false }
    super(
      {
        header: JUY_HEADER,
        lengthOffset: 2,
        lengthBytes: 2,
        prefixBytes: JUY_PREFIX_BYTES,
        minLength: JUY_MIN_LENGTH,
        verify: hasValidChecksum,
        // The sum held, so the length is right: a missing IMEI costs this frame only.
        read: (raw) => readJuyFrame(raw, state.imeiHeader) ?? { refused: 'bad_imei' as const },
      },
      {
        maxLength: options.maxLength ?? JUY_DEFAULT_MAX_LENGTH,
        maxBufferBytes: options.maxBufferBytes,
      }
    )
    this.#state = state
  }

  /**
   * Whether frames carry the 15-byte IMEI after RESULT. Off on a new
   * connection; the connection turns it on once it has sent the login reply
   * with result F0, and the module keeps it until it reconnects.
   */
  get imeiHeader() {
    return this.#state.imeiHeader
  }

  set imeiHeader(on: boolean) {
    this.#state.imeiHeader = on
  }
}
