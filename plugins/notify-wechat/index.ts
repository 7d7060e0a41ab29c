import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { TEMPLATE_FIELDS, templateData, type TemplateSendBody, type WechatReply } from './wire.js'

/*
| WeChat official account (公众号) template messages: an access_token from
| /cgi-bin/token (kept until shortly before it expires, fetched again when
| WeChat answers 40001/42001), then /cgi-bin/message/template/send to the
| rider's openid under this account. The endpoint is configurable: tests
| point it at a local server speaking WeChat's JSON.
*/

const TIMEOUT_MS = 10_000
/** Fetched again this long before WeChat's expiry, so a send never carries a dying token. */
const EARLY_SECONDS = 300
/** WeChat's codes for a token that is invalid or expired. */
const STALE_TOKEN = new Set([40001, 40014, 42001])

const templateId = () =>
  vine
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,128}$/)
    .optional()

interface CachedToken {
  token: string
  expiresAt: number
}
/** Tokens per account and endpoint, shared by the instances of this process. */
const tokens = new Map<string, CachedToken>()

export default definePlugin({
  id: 'notify-wechat',
  kind: 'notify',
  version: '1.0.0',
  config: vine.create({
    appId: vine
      .string()
      .trim()
      .regex(/^wx[0-9a-f]{16}$/),
    appSecret: vine.string().trim().minLength(16).maxLength(64),
    chargeStartedTemplateId: templateId(),
    chargeFinishedTemplateId: templateId(),
    chargeAbnormalTemplateId: templateId(),
    lowBalanceTemplateId: templateId(),
    endpoint: vine
      .string()
      .url({ require_tld: false, protocols: ['http', 'https'] })
      .optional(),
  }),
  secrets: ['appSecret'],
  capabilities: ['openid'],
  create(config, { logger }) {
    const endpoint = (config.endpoint ?? 'https://api.weixin.qq.com').replace(/\/+$/, '')
    const cacheKey = `${endpoint}|${config.appId}`
    const templates: Record<string, string | undefined> = config

    async function call(path: string, init?: RequestInit): Promise<WechatReply> {
      const response = await fetch(`${endpoint}${path}`, {
        ...init,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      }).catch((error: Error) => {
        throw new PluginProviderError('notify-wechat', 'Unreachable', error.message, null, {
          cause: error,
        })
      })
      const text = await response.text()
      try {
        return JSON.parse(text) as WechatReply
      } catch {
        throw new PluginProviderError(
          'notify-wechat',
          `HTTP${response.status}`,
          `not a JSON answer: ${text.slice(0, 200)}`
        )
      }
    }

    async function accessToken(fresh: boolean) {
      const cached = tokens.get(cacheKey)
      if (!fresh && cached && cached.expiresAt > Date.now()) return cached.token
      const query = new URLSearchParams({
        grant_type: 'client_credential',
        appid: config.appId,
        secret: config.appSecret,
      })
      const reply = await call(`/cgi-bin/token?${query}`)
      if (!reply.access_token) {
        tokens.delete(cacheKey)
        throw new PluginProviderError(
          'notify-wechat',
          String(reply.errcode ?? 'NoToken'),
          reply.errmsg ?? 'no access_token'
        )
      }
      const lifetime = Math.max((reply.expires_in ?? 7200) - EARLY_SECONDS, 60)
      tokens.set(cacheKey, { token: reply.access_token, expiresAt: Date.now() + lifetime * 1000 })
      return reply.access_token
    }

    return {
      async send(to, notice) {
        if (!('openId' in to)) {
          throw new PluginProviderError('notify-wechat', 'AddressUnsupported', 'only openids')
        }
        const template = templates[TEMPLATE_FIELDS[notice.kind]]
        if (!template) {
          throw new PluginProviderError(
            'notify-wechat',
            'TemplateNotConfigured',
            `no template for ${notice.kind}`
          )
        }
        const body: TemplateSendBody = {
          touser: to.openId,
          template_id: template,
          data: templateData(notice),
        }
        if (notice.url) body.url = notice.url
        const post = async (token: string) =>
          call(`/cgi-bin/message/template/send?access_token=${encodeURIComponent(token)}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        let reply = await post(await accessToken(false))
        if (reply.errcode !== undefined && STALE_TOKEN.has(reply.errcode)) {
          // Another server of this account may have fetched a new token, voiding ours.
          reply = await post(await accessToken(true))
        }
        if (reply.errcode !== 0 || reply.msgid === undefined) {
          throw new PluginProviderError(
            'notify-wechat',
            String(reply.errcode ?? 'NoMsgId'),
            reply.errmsg ?? 'no msgid'
          )
        }
        logger.info({ kind: notice.kind, msgid: reply.msgid }, 'notify-wechat: sent')
        return { providerMessageId: String(reply.msgid) }
      },
    }
  },
})
