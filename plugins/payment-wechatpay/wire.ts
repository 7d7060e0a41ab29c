import {
  createDecipheriv,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto'
import { canonicalBase64 } from '#sdk/base64'

/*
| WeChat Pay API v3 signatures and encryption, as documented in its
| 签名生成 / 签名验证 / 回调报文解密 guides. Only node:crypto primitives:
| SHA256withRSA (PKCS#1 v1.5) and AEAD_AES_256_GCM.
*/

export const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048'

/** Answers and notifications signed further than this from our clock are refused (replays). */
export const MAX_SKEW_SECONDS = 300

/** A random 32-character nonce, upper-case hex like the official SDKs'. */
export function nonce() {
  return randomBytes(16).toString('hex').toUpperCase()
}

/** The Authorization header of a request: `METHOD\nURL\ntimestamp\nnonce\nbody\n` signed. */
export function authorization(input: {
  method: string
  /** Path and query, exactly as sent. */
  url: string
  body: string
  mchId: string
  serialNo: string
  privateKey: KeyObject
  timestamp?: number
  nonceStr?: string
}) {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000)
  const nonceStr = input.nonceStr ?? nonce()
  const message = `${input.method}\n${input.url}\n${timestamp}\n${nonceStr}\n${input.body}\n`
  const signature = sign('sha256', Buffer.from(message), input.privateKey).toString('base64')
  return (
    `${SIGNATURE_TYPE} mchid="${input.mchId}",nonce_str="${nonceStr}",` +
    `signature="${signature}",timestamp="${timestamp}",serial_no="${input.serialNo}"`
  )
}

/**
 * The paySign of a JSAPI payment: `appId\ntimeStamp\nnonceStr\npackage\n`
 * signed SHA256withRSA with the merchant key (调起支付签名, signType RSA).
 */
export function bridgeSignature(
  input: { appId: string; timeStamp: string; nonceStr: string; package: string },
  privateKey: KeyObject
) {
  const message = `${input.appId}\n${input.timeStamp}\n${input.nonceStr}\n${input.package}\n`
  return sign('sha256', Buffer.from(message), privateKey).toString('base64')
}

/** The platform keys an answer or notification may be signed with, by Wechatpay-Serial. */
export class PlatformKeys {
  #keys = new Map<string, KeyObject>()

  constructor(config: {
    platformPublicKeyId?: string
    platformPublicKey?: string
    platformCertificates?: string[]
  }) {
    if (config.platformPublicKeyId && config.platformPublicKey) {
      this.#keys.set(config.platformPublicKeyId, createPublicKey(config.platformPublicKey))
    }
    for (const pem of config.platformCertificates ?? []) {
      const certificate = new X509Certificate(pem)
      this.#keys.set(PlatformKeys.#serial(certificate.serialNumber), certificate.publicKey)
    }
  }

  /** Certificate serials compare as hex numbers: case and leading zeros vary between tools. */
  static #serial(text: string) {
    return /^[0-9A-Fa-f]+$/.test(text) ? text.toUpperCase().replace(/^0+(?=.)/, '') : text
  }

  get(serial: string) {
    return this.#keys.get(serial) ?? this.#keys.get(PlatformKeys.#serial(serial)) ?? null
  }
}

export type SignatureCheck = { ok: true } | { ok: false; problem: string }

/**
 * Checks the `Wechatpay-*` headers of an answer or a notification against
 * its raw body: `timestamp\nnonce\nbody\n`, with the key Wechatpay-Serial names.
 */
export function checkSignature(
  keys: PlatformKeys,
  headers: Record<string, string | undefined>,
  body: string,
  now = Date.now()
): SignatureCheck {
  const timestamp = headers['wechatpay-timestamp']
  const nonceStr = headers['wechatpay-nonce']
  const signature = headers['wechatpay-signature']
  const serial = headers['wechatpay-serial']
  if (!timestamp || !nonceStr || !signature || !serial) {
    return { ok: false, problem: 'Wechatpay-* signature headers missing' }
  }
  const type = headers['wechatpay-signature-type']
  if (type !== undefined && type !== SIGNATURE_TYPE) {
    return { ok: false, problem: `unsupported signature type ${type}` }
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, problem: 'malformed timestamp' }
  if (Math.abs(now / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return { ok: false, problem: `timestamp ${timestamp} is more than 5 minutes away` }
  }
  const key = keys.get(serial)
  if (!key) return { ok: false, problem: `unknown platform key serial ${serial}` }
  const decoded = canonicalBase64(signature)
  if (!decoded) return { ok: false, problem: 'signature is not canonical base64' }
  const valid = verify('sha256', Buffer.from(`${timestamp}\n${nonceStr}\n${body}\n`), key, decoded)
  return valid ? { ok: true } : { ok: false, problem: 'signature does not verify' }
}

/** The encrypted `resource` of a notification. */
export interface EncryptedResource {
  algorithm: string
  ciphertext: string
  associated_data?: string
  nonce: string
  original_type?: string
}

/** AEAD_AES_256_GCM with the APIv3 key; the last 16 bytes of the ciphertext are the tag. */
export function decryptResource(apiV3Key: string, resource: EncryptedResource) {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw new Error(`unsupported algorithm ${resource.algorithm}`)
  }
  const data = Buffer.from(resource.ciphertext, 'base64')
  if (data.length <= 16) throw new Error('ciphertext too short')
  const decipher = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(apiV3Key, 'utf8'),
    Buffer.from(resource.nonce, 'utf8'),
    { authTagLength: 16 }
  )
  decipher.setAuthTag(data.subarray(data.length - 16))
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'))
  return Buffer.concat([
    decipher.update(data.subarray(0, data.length - 16)),
    decipher.final(),
  ]).toString('utf8')
}
