import { randomUUID } from 'node:crypto'
import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { NoticeKind } from '#sdk/contracts/notify'
import type { DeliveredCode } from '#sdk/contracts/sms'

/*
| Development sender: no text leaves the machine. The code goes to the app
| log (never in production), and the last code per phone stays in this
| process's memory for development screens and tests to read. The registry
| never loads it in production.
*/

const MOBILE = /^1[3-9]\d{9}$/
const KEPT = 1000
const delivered = new Map<string, DeliveredCode>()
const notices = new Map<string, { kind: NoticeKind; text: string }>()

/** Keeps the newest `KEPT` entries of `map`. */
function keep<Value>(map: Map<string, Value>, key: string, value: Value) {
  map.delete(key)
  map.set(key, value)
  if (map.size > KEPT) map.delete(map.keys().next().value!)
}

export default definePlugin({
  id: 'sms-log',
  kind: 'sms',
  version: '1.0.0',
  config: vine.create({}),
  secrets: [],
  capabilities: ['verification-code', 'notice', 'inbox'],
  developmentOnly: true,
  create(_config, { tenantId, logger }) {
    const key = (phone: string) => `${tenantId ?? '-'}:${phone}`
    return {
      async sendVerificationCode({ phone, code }) {
        // Refused as a real gateway would, so development meets the same errors.
        if (!MOBILE.test(phone)) {
          throw new PluginProviderError(
            'sms-log',
            'MOBILE_NUMBER_ILLEGAL',
            `not a mobile: ${phone}`
          )
        }
        const providerMessageId = `log-${randomUUID()}`
        // Never a code in a production log, should this sender be built there after all.
        const logged = process.env.NODE_ENV === 'production' ? {} : { code }
        logger.info(
          { phone, ...logged, providerMessageId },
          'sms-log: verification code (not sent)'
        )
        keep(delivered, key(phone), { code, sentAt: new Date() })
        return { providerMessageId }
      },
      lastDelivered(phone) {
        return delivered.get(key(phone)) ?? null
      },
      async sendNotice({ phone, kind, text }) {
        if (!MOBILE.test(phone)) {
          throw new PluginProviderError(
            'sms-log',
            'MOBILE_NUMBER_ILLEGAL',
            `not a mobile: ${phone}`
          )
        }
        const providerMessageId = `log-${randomUUID()}`
        logger.info({ phone, kind, text, providerMessageId }, 'sms-log: notice (not sent)')
        keep(notices, key(phone), { kind, text })
        return { providerMessageId }
      },
      lastNotice(phone) {
        return notices.get(key(phone)) ?? null
      },
    }
  },
})
