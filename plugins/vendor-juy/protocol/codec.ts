import { juyDeviceMessages, type JuyDeviceMessage } from './device_messages.js'
import { JUY_DEFAULT_RESULT, JUY_LOGIN_COMMAND, encodeJuyFrame, type JuyFrame } from './frame.js'
import type { DecodeResult } from '#sdk/messages'
import { codecMeta, type JuyCodecOptions } from './message_definition.js'
import { mqttMessage, type JuyMqttOptions } from './mqtt.js'
import { juyServerMessages, type JuyServerMessage } from './server_messages.js'

export interface JuyTcpHeader {
  /** Set once the pile switched to the IMEI header (login reply F0); 0x81 never carries it. */
  imei: string | null
  /** RESULT byte: 01 ok, 00 fail, FF no network; 00 (every sample) by default. */
  result?: number
}

function tcpFrame(header: JuyTcpHeader, body: { command: number; data: Buffer }) {
  return encodeJuyFrame({
    ...body,
    result: header.result ?? JUY_DEFAULT_RESULT,
    imei: body.command === JUY_LOGIN_COMMAND ? null : header.imei,
  })
}

/** Server side: a frame from a pile (TCP or MQTT) as a typed, validated message, or a reason to refuse it. */
export function decodeDeviceMessage(
  frame: JuyFrame,
  options: JuyCodecOptions = {}
): Promise<DecodeResult<JuyDeviceMessage>> {
  return juyDeviceMessages.decode(frame.command, frame.data, codecMeta(options))
}

/** Server side: a command or reply for a pile over TCP, as bytes. */
export function encodeServerMessage(
  header: JuyTcpHeader,
  message: JuyServerMessage,
  options: JuyCodecOptions = {}
) {
  return tcpFrame(header, juyServerMessages.encode(message, codecMeta(options)))
}

/** Server side: a command or reply for a pile over MQTT: its `JUY/S2D/...` topic and payload. */
export function encodeServerMqttMessage(
  imei: string,
  message: JuyServerMessage,
  options: JuyCodecOptions & JuyMqttOptions & { result?: number } = {}
) {
  const body = juyServerMessages.encode(message, codecMeta(options))
  return mqttMessage(
    'server',
    { ...body, imei, result: options.result ?? JUY_DEFAULT_RESULT },
    options
  )
}

/** Pile side (simulators): a server frame as a typed, validated message. */
export function decodeServerMessage(
  frame: JuyFrame,
  options: JuyCodecOptions = {}
): Promise<DecodeResult<JuyServerMessage>> {
  return juyServerMessages.decode(frame.command, frame.data, codecMeta(options))
}

/** Pile side (simulators): a pile's message over TCP, as bytes. */
export function encodeDeviceMessage(
  header: JuyTcpHeader,
  message: JuyDeviceMessage,
  options: JuyCodecOptions = {}
) {
  return tcpFrame(header, juyDeviceMessages.encode(message, codecMeta(options)))
}

/** Pile side (simulators): a pile's message over MQTT: its `JUY/D2S/...` topic and payload. */
export function encodeDeviceMqttMessage(
  imei: string,
  message: JuyDeviceMessage,
  options: JuyCodecOptions & JuyMqttOptions & { result?: number } = {}
) {
  const body = juyDeviceMessages.encode(message, codecMeta(options))
  return mqttMessage(
    'device',
    { ...body, imei, result: options.result ?? JUY_DEFAULT_RESULT },
    options
  )
}

export type { JuyDeviceMessage, JuyServerMessage, DecodeResult, JuyCodecOptions }
