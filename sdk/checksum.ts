/*
| The checksums the shipped pile protocols use: plain byte sums kept to
| their low 8 (JUY) or 16 (DNY) bits, over bytes [start, end).
*/

function byteSum(bytes: Uint8Array, start: number, end: number) {
  let sum = 0
  for (let index = start; index < end; index++) sum += bytes[index]
  return sum
}

/** Low 8 bits of the byte sum. */
export function sum8(bytes: Uint8Array, start = 0, end = bytes.length) {
  return byteSum(bytes, start, end) & 0xff
}

/** Low 16 bits of the byte sum. */
export function sum16(bytes: Uint8Array, start = 0, end = bytes.length) {
  return byteSum(bytes, start, end) & 0xffff
}
