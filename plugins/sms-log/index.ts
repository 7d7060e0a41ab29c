import { randomUUID } from 'node:crypto'
import vine from '@vinejs/vine'
import { definePlugin } from '#plugins/define_plugin'
import { PluginProviderError, type DeliveredCode } from '#plugins/contracts'

/*
| Development sender: no text leaves the machine. The code goes to the app
| log, and the last code per phone stays in this process's memory so staff
| can read it on screen in development. The registry never loads it in
| production.
*/

const MOBILE = /^1[3-9]\d{9}$/
const KEPT = 1000
const delivered = new Map<string, DeliveredCode>()

export default definePlugin({
  id: 'sms-log',
  kind: 'sms',
  version: '1.0.0',
  config: vine.create({}),
  secrets: [],
  capabilities: ['verification-code', 'inbox'],
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
        logger.info({ phone, code, providerMessageId }, 'sms-log: verification code (not sent)')
        delivered.delete(key(phone))
        delivered.set(key(phone), { code, sentAt: new Date() })
        if (delivered.size > KEPT) delivered.delete(delivered.keys().next().value!)
        return { providerMessageId }
      },
      lastDelivered(phone) {
        return delivered.get(key(phone)) ?? null
      },
    }
  },
})
