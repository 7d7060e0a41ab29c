import { createHmac, randomInt, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/*
| A local stand-in for dysmsapi.aliyuncs.com (unreachable from tests): it
| takes SendSms as Alibaba Cloud does (form-encoded RPC call), re-computes
| the HMAC-SHA1 signature with its own encoder, and answers in Aliyun's JSON,
| errors included.
*/

/** RFC 3986 byte by byte: written apart from the plugin's encoder on purpose. */
function rfc3986(value: string) {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-_.~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

export interface FakeDysmsapi {
  url: string
  /** The code in the TemplateParam of the last message accepted for a phone. */
  receivedCode(phone: string): string | null
  /** The template and its parameters of the last message accepted for a phone. */
  receivedMessage(phone: string): { templateCode: string; params: Record<string, string> } | null
  close(): Promise<void>
}

export async function startFakeDysmsapi(keys: Record<string, string>): Promise<FakeDysmsapi> {
  const received = new Map<string, string>()
  const messages = new Map<string, { templateCode: string; params: Record<string, string> }>()
  const nonces = new Set<string>()

  const server: Server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      const requestId = randomUUID().toUpperCase()
      const answer = (status: number, payload: Record<string, string>) => {
        response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' })
        response.end(JSON.stringify({ RequestId: requestId, ...payload }))
      }
      const refuse = (status: number, code: string, message: string) =>
        answer(status, {
          HostId: 'dysmsapi.aliyuncs.com',
          Code: code,
          Message: message,
          Recommend: `https://next.api.aliyun.com/troubleshoot?q=${code}&product=Dysmsapi`,
        })

      const params = Object.fromEntries(new URLSearchParams(body))
      const { Signature: signature, ...signed } = params
      if (request.method !== 'POST') return refuse(400, 'UnsupportedHTTPMethod', 'POST only here')
      if (signed.Action !== 'SendSms' || signed.Version !== '2017-05-25') {
        return refuse(400, 'InvalidAction.NotFound', 'Specified api is not found')
      }
      if (signed.SignatureMethod !== 'HMAC-SHA1' || signed.SignatureVersion !== '1.0') {
        return refuse(400, 'InvalidSignatureMethod', 'Specified signature method is not valid')
      }
      const secret = keys[signed.AccessKeyId]
      if (secret === undefined) {
        return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
      }
      const age = Math.abs(Date.now() - Date.parse(signed.Timestamp ?? ''))
      if (
        !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(signed.Timestamp ?? '') ||
        !(age < 15 * 60_000)
      ) {
        return refuse(
          400,
          'InvalidTimeStamp.Expired',
          'Specified time stamp or date value is expired.'
        )
      }
      const canonical = Object.keys(signed)
        .sort()
        .map((key) => `${rfc3986(key)}=${rfc3986(signed[key])}`)
        .join('&')
      const stringToSign = `POST&${rfc3986('/')}&${rfc3986(canonical)}`
      const expected = createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64')
      if (signature !== expected) {
        return refuse(
          400,
          'SignatureDoesNotMatch',
          `Specified signature does not match our calculation. The string to sign is: ${stringToSign}`
        )
      }
      if (nonces.has(signed.SignatureNonce)) {
        return refuse(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.')
      }
      nonces.add(signed.SignatureNonce)
      // Business refusals come with HTTP 200, as dysmsapi sends them.
      if (!/^1[3-9]\d{9}$/.test(signed.PhoneNumbers ?? '')) {
        return answer(200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' })
      }
      const templateParams = JSON.parse(signed.TemplateParam ?? '{}')
      received.set(signed.PhoneNumbers, templateParams.code)
      messages.set(signed.PhoneNumbers, {
        templateCode: signed.TemplateCode,
        params: templateParams,
      })
      answer(200, { Code: 'OK', Message: 'OK', BizId: `${randomInt(1e9, 1e10 - 1)}^0` })
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    receivedCode: (phone) => received.get(phone) ?? null,
    receivedMessage: (phone) => messages.get(phone) ?? null,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
