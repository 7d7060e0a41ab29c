import { randomUUID } from 'node:crypto'
import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { NoticeKind } from '#sdk/contracts/notify'
import { rpcSignature } from './signature.js'

/*
| Alibaba Cloud SMS (dysmsapi, API version 2017-05-25), action SendSms,
| signed per request with the tenant's AccessKey. The endpoint is
| configurable: tests point it at a local server that checks signatures.
*/

const TIMEOUT_MS = 10_000

const noticeTemplate = () =>
  vine
    .string()
    .trim()
    .regex(/^SMS_\d+$/)
    .optional()

/** The settings field holding each notice kind's template code. */
const NOTICE_TEMPLATE_FIELDS: Record<NoticeKind, string> = {
  charge_started: 'chargeStartedTemplateCode',
  charge_finished: 'chargeFinishedTemplateCode',
  charge_abnormal: 'chargeAbnormalTemplateCode',
  low_balance: 'lowBalanceTemplateCode',
}

interface AliyunReply {
  Code?: string
  Message?: string
  RequestId?: string
  BizId?: string
}

export default definePlugin({
  id: 'sms-aliyun',
  kind: 'sms',
  version: '1.0.0',
  config: vine.create({
    accessKeyId: vine.string().trim().minLength(1).maxLength(128),
    accessKeySecret: vine.string().minLength(1).maxLength(256),
    signName: vine.string().trim().minLength(1).maxLength(64),
    templateCode: vine
      .string()
      .trim()
      .regex(/^SMS_\d+$/),
    // Rider notices (registered templates, one per kind; a kind without one is not sent).
    chargeFinishedTemplateCode: noticeTemplate(),
    chargeAbnormalTemplateCode: noticeTemplate(),
    lowBalanceTemplateCode: noticeTemplate(),
    endpoint: vine
      .string()
      .url({ require_tld: false, protocols: ['http', 'https'] })
      .optional(),
  }),
  secrets: ['accessKeySecret'],
  capabilities: ['verification-code', 'notice'],
  create(config, { logger }) {
    const endpoint = config.endpoint ?? 'https://dysmsapi.aliyuncs.com/'
    const noticeTemplates: Record<string, string | undefined> = config
    return {
      async sendVerificationCode({ phone, code, templateParams }) {
        return send(phone, config.templateCode, { ...templateParams, code })
      },
      async sendNotice({ phone, kind, templateParams }) {
        const templateCode = noticeTemplates[NOTICE_TEMPLATE_FIELDS[kind]]
        if (!templateCode) {
          throw new PluginProviderError(
            'sms-aliyun',
            'TemplateNotConfigured',
            `no template for ${kind}`
          )
        }
        return send(phone, templateCode, templateParams)
      },
    }

    async function send(phone: string, templateCode: string, templateParams: object) {
      const params: Record<string, string> = {
        AccessKeyId: config.accessKeyId,
        Action: 'SendSms',
        Format: 'JSON',
        RegionId: 'cn-hangzhou',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: randomUUID(),
        SignatureVersion: '1.0',
        Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Version: '2017-05-25',
        PhoneNumbers: phone,
        SignName: config.signName,
        TemplateCode: templateCode,
        TemplateParam: JSON.stringify(templateParams),
      }
      const Signature = rpcSignature('POST', params, config.accessKeySecret)
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'accept': 'application/json',
        },
        body: new URLSearchParams({ ...params, Signature }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      }).catch((error: Error) => {
        throw new PluginProviderError('sms-aliyun', 'Unreachable', error.message, null, {
          cause: error,
        })
      })
      const text = await response.text()
      let reply: AliyunReply
      try {
        reply = JSON.parse(text)
      } catch {
        throw new PluginProviderError(
          'sms-aliyun',
          `HTTP${response.status}`,
          `not a JSON answer: ${text.slice(0, 200)}`
        )
      }
      if (reply.Code !== 'OK' || !reply.BizId) {
        throw new PluginProviderError(
          'sms-aliyun',
          reply.Code ?? `HTTP${response.status}`,
          reply.Message ?? 'no message',
          reply.RequestId ?? null
        )
      }
      logger.info({ phone, bizId: reply.BizId, requestId: reply.RequestId }, 'sms-aliyun: sent')
      return { providerMessageId: reply.BizId }
    }
  },
})
