import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'

/*
| The Alipay open platform hands keys out as bare base64 (its key tool
| writes PKCS#1 "非 Java" or PKCS#8 "Java" private keys, and an X.509
| SubjectPublicKeyInfo for the Alipay public key); people also paste PEM.
| Both are accepted and turned into one PEM form for the SDK.
*/

const BASE64 = /^[A-Za-z0-9+/=\s]+$/

function rsa(key: KeyObject) {
  return key.asymmetricKeyType === 'rsa' ? key : null
}

function attempt<T>(work: () => T): T | null {
  try {
    return work()
  } catch {
    return null
  }
}

function readPrivate(text: string): KeyObject | null {
  const trimmed = text.trim()
  if (trimmed.startsWith('-----BEGIN')) return attempt(() => createPrivateKey(trimmed))
  if (!BASE64.test(trimmed)) return null
  const der = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64')
  return (
    attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })) ??
    attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }))
  )
}

function readPublic(text: string): KeyObject | null {
  const trimmed = text.trim()
  // createPublicKey would derive a public key from a pasted private one: refuse that mix-up.
  if (trimmed.includes('PRIVATE KEY')) return null
  if (trimmed.startsWith('-----BEGIN')) return attempt(() => createPublicKey(trimmed))
  if (!BASE64.test(trimmed)) return null
  const der = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64')
  return attempt(() => createPublicKey({ key: der, format: 'der', type: 'spki' }))
}

/** The application private key as PKCS#8 PEM; null when it is not an RSA private key. */
export function privateKeyPem(text: string): string | null {
  const key = readPrivate(text)
  return key && rsa(key) ? key.export({ type: 'pkcs8', format: 'pem' }).toString() : null
}

/** The Alipay public key as SPKI PEM; null when it is not an RSA public key. */
export function publicKeyPem(text: string): string | null {
  const key = readPublic(text)
  return key && rsa(key) ? key.export({ type: 'spki', format: 'pem' }).toString() : null
}
