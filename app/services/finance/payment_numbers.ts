import { randomInt } from 'node:crypto'
import { DateTime } from 'luxon'

/**
 * Our numbers at the providers (out_trade_no, out_refund_no): a letter,
 * the Shanghai time to the second and 7 random digits. 22 characters, within
 * every provider's limit (WeChat 6-32, Alipay 64); uniqueness is enforced
 * by the database.
 */
export function newPaymentNumber(prefix: 'P' | 'R') {
  const time = DateTime.now().setZone('Asia/Shanghai').toFormat('yyyyMMddHHmmss')
  return `${prefix}${time}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`
}
