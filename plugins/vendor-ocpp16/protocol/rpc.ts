import { randomUUID } from 'node:crypto'
import type { WebSocket } from 'ws'
import {
  CALL,
  CALLERROR,
  CALLRESULT,
  OcppCallError,
  OcppFrameError,
  callFrame,
  errorFrame,
  parseFrame,
  resultFrame,
  salvageId,
  type OcppPayload,
} from './frames.js'
import {
  centralSystemCalls,
  chargePointCalls,
  validateConfirmation,
  validateRequest,
  type OcppAction,
} from './messages.js'

/** How one of our calls ended. */
export type CallOutcome =
  | { kind: 'result'; payload: OcppPayload }
  | { kind: 'error'; code: string; description: string }
  | { kind: 'timeout' }
  | { kind: 'closed' }

export interface RpcOptions {
  /** Which calls this side answers: the central system answers the charge point's, and the reverse. */
  answers: 'charge-point-calls' | 'central-system-calls'
  callTimeoutMs: number
  handle(action: string, payload: OcppPayload): Promise<OcppPayload>
  /** A frame refused or an answer nobody waited for: one log line, the session goes on. */
  problem(message: string, detail: Record<string, unknown>): void
  /** Every text frame, both ways (counting, tracing). */
  frame?(direction: 'in' | 'out', text: string): void
  /**
   * Bounds on what the peer sends (the central system sets them; a charger
   * trusts its server): `rate` admits each message, a CALL beyond it gets a
   * CALLERROR and other frames are dropped; more than `maxRefusedInARow`
   * refused in a row, or more than `maxQueuedCalls` calls waiting to be
   * answered, closes the connection (1008).
   */
  limits?: {
    rate: { take(): boolean }
    maxRefusedInARow: number
    maxQueuedCalls: number
  }
}

interface QueuedCall {
  action: OcppAction
  payload: OcppPayload
  resolve(outcome: CallOutcome): void
}

/**
 * One OCPP-J conversation over a WebSocket, for either side. OCPP allows
 * one outstanding call per direction: our calls wait in a queue until the
 * previous one is answered or times out, and calls received are handled
 * one after the other, in order.
 */
export class OcppRpc {
  #queue: QueuedCall[] = []
  #outstanding: { id: string; call: QueuedCall; timer: NodeJS.Timeout } | null = null
  #incoming: Promise<void> = Promise.resolve()
  /** Calls received and not answered yet (the length of the `#incoming` chain). */
  #waiting = 0
  #refusedInARow = 0
  /** Set once we close the connection for breaking a limit: its remaining frames are ignored. */
  #refusing = false
  #closed = false

  constructor(
    readonly socket: WebSocket,
    readonly options: RpcOptions
  ) {
    socket.on('message', (data, isBinary) => {
      if (this.#refusing) return
      if (isBinary) {
        this.options.problem('binary frame refused', {})
        return
      }
      try {
        this.#receive(data.toString())
      } catch (error) {
        // A frame must never end the process: refuse it on this connection alone.
        this.options.problem('frame failed', { error: String(error) })
      }
    })
    socket.on('close', () => this.#close())
  }

  get closed() {
    return this.#closed
  }

  call(action: OcppAction, payload: OcppPayload): Promise<CallOutcome> {
    if (this.#closed) return Promise.resolve({ kind: 'closed' })
    return new Promise((resolve) => {
      this.#queue.push({ action, payload, resolve })
      this.#next()
    })
  }

  /** Resolves once every call received so far has been answered. */
  settled() {
    return this.#incoming
  }

  #send(text: string) {
    if (this.socket.readyState !== this.socket.OPEN) return
    this.options.frame?.('out', text)
    this.socket.send(text)
  }

  #next() {
    if (this.#outstanding || this.#closed) return
    const call = this.#queue.shift()
    if (!call) return
    const id = randomUUID()
    const timer = setTimeout(
      () => this.#finish(id, { kind: 'timeout' }),
      this.options.callTimeoutMs
    )
    this.#outstanding = { id, call, timer }
    this.#send(callFrame(id, call.action, call.payload))
  }

  #finish(id: string, outcome: CallOutcome) {
    if (this.#outstanding?.id !== id) return
    clearTimeout(this.#outstanding.timer)
    const { call } = this.#outstanding
    this.#outstanding = null
    call.resolve(outcome)
    this.#next()
  }

  /** Closes the connection for breaking a limit (1008 policy violation). */
  #refuse(reason: string, detail: Record<string, unknown>) {
    this.#refusing = true
    this.options.problem(`connection closed: ${reason}`, detail)
    this.socket.close(1008, reason)
  }

  /** Whether the rate admits one more frame; refuses the frame (and maybe the connection) if not. */
  #admit(text: string) {
    const limits = this.options.limits
    if (!limits || limits.rate.take()) {
      this.#refusedInARow = 0
      return true
    }
    if (++this.#refusedInARow > limits.maxRefusedInARow) {
      this.#refuse('message rate exceeded', { refused: this.#refusedInARow })
      return false
    }
    this.options.problem('message over the rate refused', {})
    const id = salvageId(text)
    if (id !== null) this.#send(errorFrame(id, 'GenericError', 'too many messages, retry later'))
    return false
  }

  #receive(text: string) {
    this.options.frame?.('in', text)
    if (!this.#admit(text)) return
    let frame
    try {
      frame = parseFrame(text)
    } catch (error) {
      if (!(error instanceof OcppFrameError)) throw error
      this.options.problem(`frame refused: ${error.message}`, { frame: text.slice(0, 200) })
      if (error.wasCall) this.#send(errorFrame(error.id ?? '-1', error.code, error.message))
      return
    }
    if (frame.type === CALL) {
      const { id, action, payload } = frame
      const maxQueued = this.options.limits?.maxQueuedCalls
      if (maxQueued !== undefined && this.#waiting >= maxQueued) {
        this.#refuse('too many calls waiting', { waiting: this.#waiting })
        return
      }
      this.#waiting++
      this.#incoming = this.#incoming
        .then(() => this.#answer(id, action, payload))
        .catch((error: unknown) =>
          this.options.problem(`${action} failed`, { error: String(error) })
        )
        .finally(() => this.#waiting--)
      return
    }
    const outstanding = this.#outstanding
    if (!outstanding || outstanding.id !== frame.id) {
      this.options.problem('answer to no outstanding call dropped', { id: frame.id })
      return
    }
    if (frame.type === CALLRESULT) {
      validateConfirmation(outstanding.call.action, frame.payload).then(
        (payload) => this.#finish(frame.id, { kind: 'result', payload }),
        (error: unknown) => {
          const description = error instanceof Error ? error.message : String(error)
          this.options.problem(`invalid ${outstanding.call.action} confirmation`, { description })
          this.#finish(frame.id, { kind: 'error', code: 'FormationViolation', description })
        }
      )
      return
    }
    if (frame.type === CALLERROR) {
      this.#finish(frame.id, { kind: 'error', code: frame.code, description: frame.description })
    }
  }

  async #answer(id: string, action: string, payload: OcppPayload) {
    const calls =
      this.options.answers === 'charge-point-calls' ? chargePointCalls : centralSystemCalls
    try {
      const request = await validateRequest(calls, action, payload)
      const confirmation = await this.options.handle(action, request)
      this.#send(resultFrame(id, confirmation))
    } catch (error) {
      if (error instanceof OcppCallError) {
        this.options.problem(`${action} refused: ${error.code}`, { description: error.message })
        this.#send(errorFrame(id, error.code, error.message, error.details))
        return
      }
      this.options.problem(`${action} failed`, { error: String(error) })
      this.#send(errorFrame(id, 'InternalError', `${action} could not be handled now`))
    }
  }

  #close() {
    this.#refusing = true
    if (this.#closed) return
    this.#closed = true
    if (this.#outstanding) {
      clearTimeout(this.#outstanding.timer)
      this.#outstanding.call.resolve({ kind: 'closed' })
      this.#outstanding = null
    }
    for (const call of this.#queue.splice(0)) call.resolve({ kind: 'closed' })
  }
}
