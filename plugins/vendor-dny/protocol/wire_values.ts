import type { ByteReader, ByteWriter } from '#sdk/bytes'

/** Ports are 1-based in our objects; the wire counts from 0, and 0xFF means "any" or "none". */
export function portFromWire(byte: number) {
  return byte + 1
}

export function portToWire(port: number) {
  return port - 1
}

export function optionalPortFromWire(byte: number) {
  return byte === 0xff ? null : byte + 1
}

export function optionalPortToWire(port: number | null) {
  return port === null ? 0xff : port - 1
}

/** Temperatures travel with +65; 0 means no sensor. */
export function temperatureFromWire(byte: number) {
  return byte === 0 ? null : byte - 65
}

export function temperatureToWire(celsius: number | null) {
  return celsius === null ? 0 : celsius + 65
}

/** A bit per port, bit 0 = port 1. */
export function portsFromBits(bits: number) {
  const ports: number[] = []
  for (let bit = 0; bit < 16; bit++) if (bits & (1 << bit)) ports.push(bit + 1)
  return ports
}

export function portsToBits(ports: number[]) {
  return ports.reduce((bits, port) => bits | (1 << (port - 1)), 0)
}

type TrailingField = [value: unknown, write: (writer: ByteWriter) => void]

/**
 * Trailing fields were appended to the protocol over the years, so a field
 * can only be sent when all before it are: writing stops at the first
 * missing one.
 */
export function writeTrailing(writer: ByteWriter, fields: TrailingField[]) {
  for (const [value, write] of fields) {
    if (value === undefined) return
    write(writer)
  }
}

export function readTemperature(reader: ByteReader, field: string) {
  return temperatureFromWire(reader.u8(field))
}
