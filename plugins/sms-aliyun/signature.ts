import { createHmac } from 'node:crypto'

/*
| Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1), as documented for
| the RPC-style APIs such as dysmsapi:
| https://help.aliyun.com/document_detail/315526.html
*/

/** RFC 3986 percent-encoding, as the signature requires (space %20, `*` %2A, `~` kept). */
export function percentEncode(value: string) {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`
  )
}

/** Base64 HMAC-SHA1 over `METHOD&%2F&encode(sorted query)`, keyed with `secret&`. */
export function rpcSignature(method: string, params: Record<string, string>, secret: string) {
  const canonical = Object.keys(params)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key])}`)
    .join('&')
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64')
}
