/** Test-side helpers, written apart from the codec so they check it rather than repeat it. */

export function hex(text: string) {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex')
}

/**
 * A JUY frame from its parts, with the length and sum worked out here by
 * the documented rules: the length counts CMD through SUM (IMEI included),
 * the sum is the low 8 bits of the bytes from the length through the data.
 */
export function juyFrame(
  command: number,
  data: string,
  options: { imei?: string; result?: number } = {}
) {
  const imei = options.imei ? Buffer.from(options.imei, 'ascii') : Buffer.alloc(0)
  const body = Buffer.concat([Buffer.from([command, options.result ?? 0]), imei, hex(data)])
  const length = body.length + 1
  const counted = Buffer.concat([Buffer.from([length & 0xff, length >> 8]), body])
  const sum = counted.reduce((total, byte) => total + byte, 0) & 0xff
  return Buffer.concat([Buffer.from([0x5a, 0xa5]), counted, Buffer.from([sum])])
}
