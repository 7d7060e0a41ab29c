import { isIPv4, isIPv6, type Socket } from 'node:net'
import type { ThrottledLog } from './device_edge.js'

/*
| The PROXY protocol (HAProxy's, v1 text and v2 binary): a balancer in TCP
| mode opens its connection to the gateway with a header naming the pile's
| own address, so the per-address limits and the logs see the pile, not the
| balancer. Only a listener configured for it reads the header (a pile
| talking to it directly could otherwise claim any address); there the
| header is required, bounded in size and time, and anything else closes
| the connection.
*/

/** Where a connection really comes from. */
export interface PeerAddress {
  address: string | null
  port: number | null
}

export type ProxyHeaderParse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  /** `source` null: a LOCAL header (the balancer's own health check) or no address family. */
  | { status: 'complete'; length: number; source: PeerAddress | null }

/** The longest v1 line, CRLF included (the specification's bound). */
export const MAX_V1_HEADER_BYTES = 107
/** v2: the fixed part, then addresses up to the UNIX family's 216 bytes (no room for TLVs beyond that). */
export const MAX_V2_ADDRESS_BYTES = 216
export const PROXY_HEADER_TIMEOUT_MS = 5_000

const V1_SIGNATURE = Buffer.from('PROXY ', 'latin1')
const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex')
const V2_FIXED_BYTES = 16

/** Whether `buffer` so far agrees with the start of `signature`. */
function startsLike(buffer: Buffer, signature: Buffer) {
  const length = Math.min(buffer.length, signature.length)
  return buffer.subarray(0, length).equals(signature.subarray(0, length))
}

/** The header at the start of `buffer`, as far as it has arrived. */
export function parseProxyHeader(buffer: Buffer): ProxyHeaderParse {
  if (startsLike(buffer, V2_SIGNATURE)) {
    return buffer.length < V2_FIXED_BYTES ? { status: 'incomplete' } : parseV2(buffer)
  }
  if (startsLike(buffer, V1_SIGNATURE)) {
    return buffer.length < V1_SIGNATURE.length ? { status: 'incomplete' } : parseV1(buffer)
  }
  return { status: 'invalid', reason: 'no_header' }
}

function parseV1(buffer: Buffer): ProxyHeaderParse {
  const end = buffer.subarray(0, MAX_V1_HEADER_BYTES).indexOf('\r\n')
  if (end === -1) {
    return buffer.length >= MAX_V1_HEADER_BYTES
      ? { status: 'invalid', reason: 'v1_too_long' }
      : { status: 'incomplete' }
  }
  const length = end + 2
  const fields = buffer.subarray(0, end).toString('latin1').split(' ')
  // "PROXY UNKNOWN ...": the balancer could not tell; the connection's own address stands.
  if (fields[1] === 'UNKNOWN') return { status: 'complete', length, source: null }
  if (fields.length !== 6) return { status: 'invalid', reason: 'v1_fields' }
  const [, family, source, destination, sourcePort, destinationPort] = fields
  const valid = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : null
  if (!valid || !valid(source) || !valid(destination)) {
    return { status: 'invalid', reason: 'v1_address' }
  }
  const port = portOf(sourcePort)
  if (port === null || portOf(destinationPort) === null) {
    return { status: 'invalid', reason: 'v1_port' }
  }
  return { status: 'complete', length, source: { address: canonical(source), port } }
}

function portOf(text: string) {
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return null
  const port = Number(text)
  return port <= 65_535 ? port : null
}

function parseV2(buffer: Buffer): ProxyHeaderParse {
  const versionCommand = buffer[12]
  if (versionCommand >> 4 !== 2) return { status: 'invalid', reason: 'v2_version' }
  const command = versionCommand & 0x0f
  if (command > 1) return { status: 'invalid', reason: 'v2_command' }
  const addressBytes = buffer.readUInt16BE(14)
  if (addressBytes > MAX_V2_ADDRESS_BYTES) return { status: 'invalid', reason: 'v2_too_long' }
  const length = V2_FIXED_BYTES + addressBytes
  if (buffer.length < length) return { status: 'incomplete' }
  // LOCAL: the balancer speaking for itself (health checks); the connection's own address stands.
  if (command === 0) return { status: 'complete', length, source: null }
  const familyTransport = buffer[13]
  const block = buffer.subarray(V2_FIXED_BYTES, length)
  switch (familyTransport) {
    case 0x11: // TCP over IPv4
      if (block.length < 12) return { status: 'invalid', reason: 'v2_address' }
      return {
        status: 'complete',
        length,
        source: { address: [...block.subarray(0, 4)].join('.'), port: block.readUInt16BE(8) },
      }
    case 0x21: // TCP over IPv6
      if (block.length < 36) return { status: 'invalid', reason: 'v2_address' }
      return {
        status: 'complete',
        length,
        source: { address: ipv6Text(block.subarray(0, 16)), port: block.readUInt16BE(32) },
      }
    case 0x00: // UNSPEC: the specification says to keep the connection's own address
      return { status: 'complete', length, source: null }
    default: // UDP or UNIX sockets: not what a pile's TCP connection can be
      return { status: 'invalid', reason: 'v2_family' }
  }
}

function ipv6Text(bytes: Buffer) {
  const groups = []
  for (let at = 0; at < 16; at += 2) groups.push(bytes.readUInt16BE(at).toString(16))
  return canonical(groups.join(':'))
}

/** One spelling per address, as Node gives remoteAddress: compressed IPv6, IPv4-mapped as IPv4. */
function canonical(address: string) {
  if (isIPv4(address)) return address
  const compressed = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed)
  if (!mapped) return compressed
  const [high, low] = [Number.parseInt(mapped[1], 16), Number.parseInt(mapped[2], 16)]
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

export interface ProxyHeaderReaderOptions {
  log: ThrottledLog
  /** Prefix of the log kinds and messages, e.g. the plugin id. */
  label: string
  /** Connections waiting for their header at once; past it new ones are closed. */
  maxPending: number
  timeoutMs?: number
}

/**
 * Reads the PROXY header of each connection a listener configured for it
 * accepts. `accept` hands the socket on with the pile's address once the
 * header is in (synchronously, the bytes after it put back for the device
 * protocol), or closes it: malformed, too long, not in time, or the
 * listener's waiting room full (each logged, throttled). A connection that
 * closes before sending a byte (a balancer's connect-only health check) is
 * not worth a line.
 */
export class ProxyHeaderReader {
  #waiting = new Set<Socket>()

  constructor(protected options: ProxyHeaderReaderOptions) {}

  /** Connections waiting for their header now. */
  get pending() {
    return this.#waiting.size
  }

  /** Closes every connection still waiting (the listener stops). */
  destroyAll() {
    for (const socket of this.#waiting) socket.destroy()
  }

  accept(socket: Socket, next: (peer: PeerAddress) => void) {
    const { log, label } = this.options
    const own = { address: socket.remoteAddress ?? null, port: socket.remotePort ?? null }
    // A reset while waiting must not become an unhandled 'error' event.
    socket.on('error', () => {})
    if (this.#waiting.size >= this.options.maxPending) {
      log.warn('proxy:busy', { balancer: own.address }, `${label}: PROXY header backlog full`)
      socket.destroy()
      return
    }
    this.#waiting.add(socket)
    let buffer = Buffer.alloc(0)
    const finish = () => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      this.#waiting.delete(socket)
    }
    const refuse = (reason: string) => {
      log.warn(
        `proxy:${reason}`,
        { balancer: own.address, reason },
        `${label}: connection without a valid PROXY header closed`
      )
      finish()
      socket.destroy()
    }
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      const parsed = parseProxyHeader(buffer)
      if (parsed.status === 'incomplete') return
      if (parsed.status === 'invalid') return refuse(parsed.reason)
      finish()
      // Paused while handed on, so no byte flows past a listener not yet attached.
      socket.pause()
      const rest = buffer.subarray(parsed.length)
      if (rest.length) socket.unshift(rest)
      next(parsed.source ?? own)
      if (!socket.destroyed) socket.resume()
    }
    const onClose = () => {
      if (buffer.length) return refuse('truncated')
      finish()
    }
    const timer = setTimeout(
      () => refuse('timeout'),
      this.options.timeoutMs ?? PROXY_HEADER_TIMEOUT_MS
    )
    socket.on('data', onData)
    socket.once('close', onClose)
  }
}
