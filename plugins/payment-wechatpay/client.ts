import { createHash, type KeyObject } from 'node:crypto'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { authorization, checkSignature, type PlatformKeys } from './wire.js'

export const PLUGIN_ID = 'payment-wechatpay'
const TIMEOUT_MS = 10_000
const USER_AGENT = 'PileHub payment-wechatpay/1.0.0'

export interface ClientOptions {
  baseUrl: string
  mchId: string
  merchantSerialNo: string
  privateKey: KeyObject
  platformKeys: PlatformKeys
  /** Sent as Wechatpay-Serial so answers are signed with the key we hold (微信支付公钥 mode). */
  platformPublicKeyId: string | null
}

export interface Answer {
  status: number
  body: Record<string, any>
  /** True when the answer carried a signature that verified; unsigned answers are errors only. */
  signed: boolean
  requestId: string | null
}

function providerError(code: string, message: string, requestId: string | null = null) {
  return new PluginProviderError(PLUGIN_ID, code, message, requestId)
}

/** Signed calls to WeChat Pay API v3; every answer's signature is checked before it is used. */
export class WechatpayClient {
  constructor(private options: ClientOptions) {}

  async #send(method: 'GET' | 'POST', target: string, payload?: Record<string, unknown>) {
    const url = new URL(target, this.options.baseUrl)
    const body = payload === undefined ? '' : JSON.stringify(payload)
    const headers: Record<string, string> = {
      'accept': 'application/json',
      'user-agent': USER_AGENT,
      'authorization': authorization({
        method,
        url: url.pathname + url.search,
        body,
        mchId: this.options.mchId,
        serialNo: this.options.merchantSerialNo,
        privateKey: this.options.privateKey,
      }),
    }
    if (payload !== undefined) headers['content-type'] = 'application/json'
    if (this.options.platformPublicKeyId) {
      headers['wechatpay-serial'] = this.options.platformPublicKeyId
    }
    const response = await fetch(url, {
      method,
      headers,
      body: payload === undefined ? undefined : body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).catch((error: Error) => {
      throw new PluginProviderError(PLUGIN_ID, 'Unreachable', error.message, null, {
        cause: error,
      })
    })
    return response
  }

  /**
   * A JSON API call. 2xx answers must be signed; an error answer is used
   * (as a PluginProviderError, or a business answer such as ORDER_NOT_EXIST
   * when `signed`) even unsigned, since WeChat Pay signs only answers to
   * requests whose own signature it accepted.
   */
  async call(
    method: 'GET' | 'POST',
    target: string,
    payload?: Record<string, unknown>
  ): Promise<Answer> {
    const response = await this.#send(method, target, payload)
    const text = await response.text()
    const headers = Object.fromEntries(response.headers)
    const requestId = headers['request-id'] ?? null
    const hasSignature = headers['wechatpay-signature'] !== undefined
    const check = checkSignature(this.options.platformKeys, headers, text)
    if (!check.ok && (response.ok || hasSignature)) {
      throw providerError('RESPONSE_SIGNATURE_INVALID', check.problem, requestId)
    }
    let body: Record<string, any> = {}
    if (text !== '') {
      try {
        body = JSON.parse(text)
      } catch {
        throw providerError(`HTTP${response.status}`, `not a JSON answer: ${text.slice(0, 200)}`)
      }
    }
    return { status: response.status, body, signed: check.ok, requestId }
  }

  /** The answer's JSON if it is a success, else the provider's error. */
  async expectOk(method: 'GET' | 'POST', target: string, payload?: Record<string, unknown>) {
    const answer = await this.call(method, target, payload)
    if (answer.status >= 200 && answer.status < 300) return answer.body
    throw this.error(answer)
  }

  error(answer: Answer) {
    return providerError(
      typeof answer.body.code === 'string' ? answer.body.code : `HTTP${answer.status}`,
      typeof answer.body.message === 'string' ? answer.body.message : 'no message',
      answer.requestId
    )
  }

  /**
   * A bill file from the download_url of a bill answer. The file itself is
   * not signed: its SHA1 from the signed answer vouches for it.
   */
  async download(downloadUrl: string, hashType: string, hashValue: string) {
    const url = new URL(downloadUrl)
    const response = await this.#send('GET', url.href)
    const bytes = Buffer.from(await response.arrayBuffer())
    const requestId = response.headers.get('request-id')
    if (!response.ok) {
      let reply: Record<string, unknown> = {}
      try {
        reply = JSON.parse(bytes.toString('utf8'))
      } catch {}
      throw providerError(
        typeof reply.code === 'string' ? reply.code : `HTTP${response.status}`,
        typeof reply.message === 'string' ? reply.message : 'bill download failed',
        requestId
      )
    }
    if (hashType !== 'SHA1') throw providerError('BILL_HASH_UNSUPPORTED', `hash type ${hashType}`)
    const actual = createHash('sha1').update(bytes).digest('hex')
    if (actual.toLowerCase() !== hashValue.toLowerCase()) {
      throw providerError('BILL_HASH_MISMATCH', `bill SHA1 ${actual}, announced ${hashValue}`)
    }
    return bytes.toString('utf8')
  }
}
