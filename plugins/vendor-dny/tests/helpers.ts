/** Test-side helpers, written apart from the codec so they check it rather than repeat it. */

export function hex(text: string) {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex')
}

/** Appends the documented checksum: low 16 bits of the byte sum, little-endian. */
export function withChecksum(text: string) {
  const body = hex(text)
  const sum = body.reduce((total, byte) => total + byte, 0) & 0xffff
  return Buffer.concat([body, Buffer.from([sum & 0xff, sum >> 8])])
}

/**
 * A DNY frame from its parts, with the length and checksum worked out here
 * by the documented rules: length counts physical id through checksum.
 */
export function dnyFrame(physicalId: string, messageId: number, command: number, data: string) {
  const body = Buffer.concat([
    hex(physicalId),
    Buffer.from([messageId & 0xff, messageId >> 8, command]),
    hex(data),
  ])
  const length = body.length + 2
  return withChecksum(
    `444E59 ${(length & 0xff).toString(16).padStart(2, '0')}${(length >> 8).toString(16).padStart(2, '0')} ${body.toString('hex')}`
  )
}
