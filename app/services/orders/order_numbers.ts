import { randomInt } from 'node:crypto'
import { DateTime } from 'luxon'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * A charging order's number: the Shanghai date (yyMMdd) and 10 random
 * characters of [0-9A-Z], 16 ASCII characters in all, the size of the DNY
 * order-number field. Uniqueness is enforced by the database.
 */
export function newOrderNumber(at = DateTime.now()) {
  let random = ''
  for (let index = 0; index < 10; index += 1) random += ALPHABET[randomInt(0, ALPHABET.length)]
  return `${at.setZone('Asia/Shanghai').toFormat('yyMMdd')}${random}`
}
