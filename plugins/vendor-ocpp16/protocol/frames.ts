/*
| OCPP-J framing (OCPP 1.6 JSON, section 4): every WebSocket text message is
| one JSON array:
|   [2, "<uniqueId>", "<Action>", {payload}]                 CALL
|   [3, "<uniqueId>", {payload}]                             CALLRESULT
|   [4, "<uniqueId>", "<errorCode>", "<description>", {details}]  CALLERROR
*/

export const CALL = 2
export const CALLRESULT = 3
export const CALLERROR = 4

/** OCPP 1.6J error codes (the spec spells "Occurence" this way). */
export const OCPP_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const
export type OcppErrorCode = (typeof OCPP_ERROR_CODES)[number]

/** The spec caps uniqueId at 36 characters (a UUID). */
const MAX_ID_LENGTH = 36

export type OcppPayload = Record<string, unknown>

export type OcppFrame =
  | { type: typeof CALL; id: string; action: string; payload: OcppPayload }
  | { type: typeof CALLRESULT; id: string; payload: OcppPayload }
  | {
      type: typeof CALLERROR
      id: string
      code: string
      description: string
      details: OcppPayload
    }

/** A frame refused before its payload is looked at; answered with a CALLERROR when it was a call. */
export class OcppFrameError extends Error {
  constructor(
    readonly code: OcppErrorCode,
    message: string,
    /** The uniqueId, when one could be read (else the answer carries "-1"). */
    readonly id: string | null,
    /** True when the broken frame was a CALL (or cannot be told apart from one). */
    readonly wasCall: boolean
  ) {
    super(message)
    this.name = 'OcppFrameError'
  }
}

/** A refusal of one call, sent back as a CALLERROR. */
export class OcppCallError extends Error {
  constructor(
    readonly code: OcppErrorCode,
    message: string,
    readonly details: OcppPayload = {}
  ) {
    super(message)
    this.name = 'OcppCallError'
  }
}

/** A broken answer is dropped rather than answered with an error of its own. */
const ANSWER = /^\s*\[\s*[34]\s*,/

function isObject(value: unknown): value is OcppPayload {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads the uniqueId of a CALL without parsing it (a frame too broken, or refused unread), so its CALLERROR can name it. */
export function salvageId(text: string) {
  return /^\s*\[\s*2\s*,\s*"([^"\\]{1,36})"/.exec(text)?.[1] ?? null
}

export function parseFrame(text: string): OcppFrame {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new OcppFrameError('FormationViolation', 'not JSON', salvageId(text), !ANSWER.test(text))
  }
  if (!Array.isArray(value) || value.length < 3) {
    throw new OcppFrameError('FormationViolation', 'not an OCPP-J array', null, true)
  }
  const [type, id] = value
  const idOk = typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH
  if (type === CALL) {
    if (!idOk) throw new OcppFrameError('FormationViolation', 'bad uniqueId', null, true)
    if (value.length !== 4 || typeof value[2] !== 'string' || !value[2]) {
      throw new OcppFrameError('FormationViolation', 'a CALL is [2, id, action, payload]', id, true)
    }
    if (!isObject(value[3])) {
      throw new OcppFrameError('TypeConstraintViolation', 'the payload must be an object', id, true)
    }
    return { type, id, action: value[2], payload: value[3] }
  }
  if (type === CALLRESULT) {
    if (!idOk || value.length !== 3 || !isObject(value[2])) {
      throw new OcppFrameError(
        'FormationViolation',
        'a CALLRESULT is [3, id, payload]',
        null,
        false
      )
    }
    return { type, id, payload: value[2] }
  }
  if (type === CALLERROR) {
    const [, , code, description, details] = value
    if (
      !idOk ||
      value.length !== 5 ||
      typeof code !== 'string' ||
      typeof description !== 'string' ||
      !isObject(details)
    ) {
      throw new OcppFrameError(
        'FormationViolation',
        'a CALLERROR is [4, id, code, text, details]',
        null,
        false
      )
    }
    return { type, id, code, description, details }
  }
  throw new OcppFrameError(
    'FormationViolation',
    `unknown message type ${JSON.stringify(type)}`,
    idOk ? id : null,
    true
  )
}

export function callFrame(id: string, action: string, payload: OcppPayload) {
  return JSON.stringify([CALL, id, action, payload])
}

export function resultFrame(id: string, payload: OcppPayload) {
  return JSON.stringify([CALLRESULT, id, payload])
}

export function errorFrame(
  id: string,
  code: OcppErrorCode,
  description: string,
  details: OcppPayload = {}
) {
  return JSON.stringify([CALLERROR, id, code, description.slice(0, 255), details])
}
