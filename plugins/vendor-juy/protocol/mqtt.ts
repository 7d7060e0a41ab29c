import {
  JUY_DEFAULT_MAX_LENGTH,
  JUY_HEADER,
  JUY_MIN_LENGTH,
  JUY_PREFIX_BYTES,
  encodeJuyFrame,
  hasValidChecksum,
  isImei,
  type JuyFrame,
} from './frame.js'

/**
 * How CMD is spelled in a topic: the document does not say. `hex` ("81")
 * is the default; `hex_prefixed` ("0x81") and `decimal` ("129") are the
 * other plausible spellings.
 */
export type JuyTopicCommandFormat = 'hex' | 'hex_prefixed' | 'decimal'

export interface JuyMqttOptions {
  commandFormat?: JuyTopicCommandFormat
  /** Largest length field accepted. */
  maxLength?: number
}

/** What a gateway subscribes to: every device's messages. */
export const JUY_DEVICE_TOPIC_FILTER = 'JUY/D2S/+/+/DEV'

const DIRECTIONS = {
  device: { prefix: 'JUY/D2S', suffix: 'DEV' },
  server: { prefix: 'JUY/S2D', suffix: 'SERVER' },
} as const

type Direction = keyof typeof DIRECTIONS

const COMMAND_PATTERNS: Record<JuyTopicCommandFormat, RegExp> = {
  hex: /^[0-9A-Fa-f]{2}$/,
  hex_prefixed: /^0[xX][0-9A-Fa-f]{2}$/,
  decimal: /^(?:0|[1-9]\d{0,2})$/,
}

function formatCommand(command: number, format: JuyTopicCommandFormat) {
  if (!Number.isInteger(command) || command < 0 || command > 0xff) {
    throw new RangeError(`command must be one byte, got ${command}`)
  }
  const hex = command.toString(16).toUpperCase().padStart(2, '0')
  if (format === 'hex') return hex
  return format === 'hex_prefixed' ? `0x${hex}` : String(command)
}

function parseCommand(text: string, format: JuyTopicCommandFormat) {
  if (!COMMAND_PATTERNS[format].test(text)) return null
  const command = format === 'decimal' ? Number(text) : Number.parseInt(text.slice(-2), 16)
  return command <= 0xff ? command : null
}

function topic(direction: Direction, imei: string, command: number, options: JuyMqttOptions) {
  if (!isImei(imei)) throw new RangeError(`IMEI must be 15 digits, got "${imei}"`)
  const { prefix, suffix } = DIRECTIONS[direction]
  return `${prefix}/${imei}/${formatCommand(command, options.commandFormat ?? 'hex')}/${suffix}`
}

function parseTopic(direction: Direction, text: string, options: JuyMqttOptions) {
  const { prefix, suffix } = DIRECTIONS[direction]
  const parts = text.split('/')
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== prefix || parts[4] !== suffix) {
    return null
  }
  const command = parseCommand(parts[3], options.commandFormat ?? 'hex')
  if (!isImei(parts[2]) || command === null) return null
  return { imei: parts[2], command }
}

/** `JUY/D2S/<IMEI>/<CMD>/DEV`: a device's message. */
export function deviceTopic(imei: string, command: number, options: JuyMqttOptions = {}) {
  return topic('device', imei, command, options)
}

/** `JUY/S2D/<IMEI>/<CMD>/SERVER`: a server message to one device. */
export function serverTopic(imei: string, command: number, options: JuyMqttOptions = {}) {
  return topic('server', imei, command, options)
}

/** Every device's messages of one command, e.g. `JUY/D2S/+/83/DEV`. */
export function deviceCommandFilter(command: number, options: JuyMqttOptions = {}) {
  return `${DIRECTIONS.device.prefix}/+/${formatCommand(command, options.commandFormat ?? 'hex')}/${DIRECTIONS.device.suffix}`
}

/** The server's messages of one command to every device, e.g. `JUY/S2D/+/84/SERVER`. */
export function serverCommandFilter(command: number, options: JuyMqttOptions = {}) {
  return `${DIRECTIONS.server.prefix}/+/${formatCommand(command, options.commandFormat ?? 'hex')}/${DIRECTIONS.server.suffix}`
}

/**
 * A pile's MQTT will (a PileHub convention, not in the JUY document): the
 * broker publishes it when the pile's connection drops without DISCONNECT.
 */
export const JUY_WILL_COMMAND = 'WILL'
export const JUY_WILL_TOPIC_FILTER = `JUY/D2S/+/${JUY_WILL_COMMAND}/DEV`

export function willTopic(imei: string) {
  if (!isImei(imei)) throw new RangeError(`IMEI must be 15 digits, got "${imei}"`)
  return `${DIRECTIONS.device.prefix}/${imei}/${JUY_WILL_COMMAND}/${DIRECTIONS.device.suffix}`
}

/** The IMEI of a will topic, or null for any other topic. */
export function parseWillTopic(text: string) {
  const parts = text.split('/')
  const { prefix, suffix } = DIRECTIONS.device
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== prefix || parts[4] !== suffix) return null
  return parts[3] === JUY_WILL_COMMAND && isImei(parts[2]) ? parts[2] : null
}

export function parseDeviceTopic(text: string, options: JuyMqttOptions = {}) {
  return parseTopic('device', text, options)
}

export function parseServerTopic(text: string, options: JuyMqttOptions = {}) {
  return parseTopic('server', text, options)
}

export type JuyMqttProblemReason =
  | 'bad_topic'
  | 'bad_header'
  | 'bad_length'
  | 'oversized_length'
  | 'bad_checksum'
  | 'command_mismatch'

export type JuyMqttFrameResult =
  | { ok: true; frame: JuyFrame & { imei: string } }
  | { ok: false; reason: JuyMqttProblemReason; detail: string }

/**
 * One MQTT message is one frame, never carrying the IMEI header: the IMEI
 * comes from the topic, and the topic's CMD must agree with the frame's.
 */
function readMqttFrame(
  direction: Direction,
  text: string,
  payload: Uint8Array,
  options: JuyMqttOptions
): JuyMqttFrameResult {
  const address = parseTopic(direction, text, options)
  if (!address) return { ok: false, reason: 'bad_topic', detail: text }
  const raw = Buffer.from(payload)
  if (raw.length < JUY_PREFIX_BYTES || !raw.subarray(0, 2).equals(JUY_HEADER)) {
    return { ok: false, reason: 'bad_header', detail: sample(raw) }
  }
  const length = raw.readUInt16LE(2)
  if (length > (options.maxLength ?? JUY_DEFAULT_MAX_LENGTH)) {
    return { ok: false, reason: 'oversized_length', detail: `length ${length}` }
  }
  if (length < JUY_MIN_LENGTH || raw.length !== JUY_PREFIX_BYTES + length) {
    return {
      ok: false,
      reason: 'bad_length',
      detail: `length ${length}, payload ${raw.length} bytes`,
    }
  }
  if (!hasValidChecksum(raw)) return { ok: false, reason: 'bad_checksum', detail: sample(raw) }
  const command = raw.readUInt8(4)
  if (command !== address.command) {
    return {
      ok: false,
      reason: 'command_mismatch',
      detail: `topic ${address.command}, frame ${command}`,
    }
  }
  return {
    ok: true,
    frame: {
      command,
      result: raw.readUInt8(5),
      imei: address.imei,
      data: Buffer.from(raw.subarray(6, raw.length - 1)),
    },
  }
}

/** Server side: a message received on `JUY/D2S/...`. */
export function readDeviceMqttFrame(
  text: string,
  payload: Uint8Array,
  options: JuyMqttOptions = {}
) {
  return readMqttFrame('device', text, payload, options)
}

/** Device side (simulators): a message received on `JUY/S2D/...`. */
export function readServerMqttFrame(
  text: string,
  payload: Uint8Array,
  options: JuyMqttOptions = {}
) {
  return readMqttFrame('server', text, payload, options)
}

/** A frame as an MQTT message: the topic names the IMEI, the payload leaves it out. */
export function mqttMessage(
  direction: Direction,
  frame: JuyFrame & { imei: string },
  options: JuyMqttOptions = {}
) {
  return {
    topic: topic(direction, frame.imei, frame.command, options),
    payload: encodeJuyFrame({ ...frame, imei: null }),
  }
}

function sample(raw: Buffer) {
  return raw.subarray(0, 32).toString('hex').toUpperCase()
}
