import net from 'node:net'
import {
  decodeServerMessage,
  encodeDeviceMessage,
  type DnyDeviceMessage,
} from '../protocol/codec.js'
import type { DnyServerMessage } from '../protocol/codec.js'
import { DnyFrameDecoder } from '../protocol/frame_decoder.js'
import { MessageIdCounter } from '../protocol/physical_id.js'

export interface Received {
  messageId: number
  message: DnyServerMessage
  /** Real milliseconds when the frame arrived. */
  at: number
}

/** A pile the test drives frame by frame over a real socket. */
export class RawPile {
  readonly received: Received[] = []
  readonly ids = new MessageIdCounter()
  #decoder = new DnyFrameDecoder()
  closed = false

  private constructor(
    readonly socket: net.Socket,
    readonly physicalId: number
  ) {
    socket.on('data', (chunk) => {
      for (const item of this.#decoder.push(chunk)) {
        if (item.kind !== 'frame') continue
        const at = Date.now()
        void decodeServerMessage(item.frame).then((result) => {
          if (result.ok)
            this.received.push({ messageId: item.frame.messageId, message: result.message, at })
        })
      }
    })
    socket.on('close', () => (this.closed = true))
    socket.on('error', () => {})
  }

  /** `localAddress`: the loopback address to connect from (Linux routes all of 127/8). */
  static async connect(endpoint: string, physicalId: number, localAddress?: string) {
    const port = Number(new URL(endpoint).port)
    const socket = net.connect({ host: '127.0.0.1', port, localAddress })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawPile(socket, physicalId)
  }

  frame(message: DnyDeviceMessage, messageId = this.ids.next()) {
    return encodeDeviceMessage({ physicalId: this.physicalId, messageId }, message)
  }

  write(bytes: Buffer | string) {
    this.socket.write(bytes)
  }

  send(message: DnyDeviceMessage, messageId?: number) {
    this.write(this.frame(message, messageId))
  }

  of<Type extends DnyServerMessage['type']>(type: Type) {
    return this.received.filter(
      (entry): entry is Received & { message: Extract<DnyServerMessage, { type: Type }> } =>
        entry.message.type === type
    )
  }

  async until(check: () => boolean, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for server frames')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  close() {
    this.socket.destroy()
  }
}

export function register(portCount: number): DnyDeviceMessage {
  return { type: 'register', firmwareVersion: 123, portCount, virtualId: 0, deviceModel: 4 }
}

export function heartbeat(statuses: number[]): DnyDeviceMessage {
  return {
    type: 'heartbeat',
    voltageDecivolts: 2200,
    portCount: statuses.length,
    portStatuses: statuses,
  }
}
